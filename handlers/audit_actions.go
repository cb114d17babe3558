package handlers

// The actions the audit log records. Every one has a label in the message
// catalog under "audit.action.<action>" in every language; the catalog test
// walks AuditActions, and TestAuditActionsListed checks that every action
// the handlers record is listed here, so no raw id reaches the audit page.
const (
	auditSetup                 = "setup"
	auditLogin                 = "login"
	auditLoginFailed           = "login_failed"
	auditLogout                = "logout"
	auditPasswordChange        = "password_change"
	auditOperatorCreate        = "operator_create"
	auditOperatorRole          = "operator_role"
	auditOperatorPasswordReset = "operator_password_reset"
	auditOperatorDisable       = "operator_disable"
	auditOperatorEnable        = "operator_enable"
	auditAPIKeyCreate          = "apikey_create"
	auditAPIKeyRevoke          = "apikey_revoke"
	auditProviderCreate        = "provider_create"
	auditProviderUpdate        = "provider_update"
	auditProviderDisable       = "provider_disable"
	auditProviderEnable        = "provider_enable"
	auditCampaignCreate        = "campaign_create"
	auditCampaignUpdate        = "campaign_update"
	auditCampaignDuplicate     = "campaign_duplicate"
	auditCampaignResendFailed  = "campaign_resend_failed"
	auditCampaignSchedule      = "campaign_schedule"
	auditCampaignSend          = "campaign_send"
	auditCampaignPause         = "campaign_pause"
	auditCampaignResume        = "campaign_resume"
	auditCampaignCancel        = "campaign_cancel"
	auditCampaignTest          = "campaign_test"
	auditDeviceCreate          = "device_create"
	auditDeviceUpdate          = "device_update"
	auditDeviceUpsert          = "device_upsert"
	auditDeviceImport          = "device_import"
	auditDeviceSeed            = "device_seed"
	auditDeviceTag             = "device_tag"
	auditDeviceAlias           = "device_alias"
	auditDeviceDelete          = "device_delete"
	auditDeviceClearInvalid    = "device_clear_invalid"
	auditSegmentCreate         = "segment_create"
	auditSegmentUpdate         = "segment_update"
	auditSegmentSave           = "segment_save"
	auditSegmentDelete         = "segment_delete"
	auditRecurringCreate       = "recurring_create"
	auditRecurringPause        = "recurring_pause"
	auditRecurringResume       = "recurring_resume"
	auditRecurringEnd          = "recurring_end"
	auditRecurringDelete       = "recurring_delete"
	auditWebhookCreate         = "webhook_create"
	auditWebhookUpdate         = "webhook_update"
	auditWebhookDelete         = "webhook_delete"
	auditWebhookTest           = "webhook_test"
	auditTemplateCreate        = "template_create"
	auditTemplateUpdate        = "template_update"
	auditTemplateDelete        = "template_delete"
	auditCampaignWinner        = "campaign_winner"
)

// AuditActions lists every action the console records, in the order the
// audit page's filter offers them.
func AuditActions() []string {
	return []string{
		auditSetup, auditLogin, auditLoginFailed, auditLogout, auditPasswordChange,
		auditOperatorCreate, auditOperatorRole, auditOperatorPasswordReset, auditOperatorDisable, auditOperatorEnable,
		auditAPIKeyCreate, auditAPIKeyRevoke,
		auditProviderCreate, auditProviderUpdate, auditProviderDisable, auditProviderEnable,
		auditCampaignCreate, auditCampaignUpdate, auditCampaignDuplicate, auditCampaignResendFailed,
		auditCampaignSchedule, auditCampaignSend, auditCampaignPause, auditCampaignResume, auditCampaignCancel, auditCampaignTest,
		auditCampaignWinner,
		auditDeviceCreate, auditDeviceUpdate, auditDeviceUpsert, auditDeviceImport, auditDeviceSeed, auditDeviceTag, auditDeviceAlias, auditDeviceDelete,
		auditDeviceClearInvalid,
		auditSegmentCreate, auditSegmentUpdate, auditSegmentSave, auditSegmentDelete,
		auditRecurringCreate, auditRecurringPause, auditRecurringResume, auditRecurringEnd, auditRecurringDelete,
		auditWebhookCreate, auditWebhookUpdate, auditWebhookDelete, auditWebhookTest,
		auditTemplateCreate, auditTemplateUpdate, auditTemplateDelete,
	}
}
