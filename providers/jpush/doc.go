// Package jpush is the client for the JPush (极光推送) REST API v3.
//
// Protocol, as the client speaks it:
//
//   - Every call carries HTTP Basic auth, base64(app_key:master_secret).
//   - POST /v3/push sends one push object: platform ("all" or a list),
//     audience ("all", or an object of tag / tag_and / tag_not (≤20 tags
//     each), alias and registration_id (≤1,000 each); several keys are
//     ANDed), notification (alert plus android / ios blocks), message (a
//     custom message: msg_content, title, extras) and options (sendno,
//     time_to_live in seconds ≤10 days, apns_production, apns_collapse_id,
//     big_push_duration in minutes ≤1,400, third_party_channel per vendor).
//     It answers {sendno, msg_id}; msg_id names the push in reports.
//   - A push may carry a cid from GET /v3/push/cid?count=n&type=push
//     ({"cidlist": [...]}, at most 10 a call for an ordinary app). A push
//     repeating a cid within a day of its issue answers the first
//     successful push's result and is not pushed again. cids must come
//     from that endpoint; a made-up one is refused.
//   - POST /v3/push/validate checks a push object without sending it; the
//     client's Verify uses GET /v3/push/cid, which needs no push object.
//   - Errors answer a 4xx/5xx with {"error": {"code", "message"}}: 1000
//     internal error and 1030 internal timeout (try again), 1002 missing
//     parameter, 1003 invalid value, 1005 body too large, 1009 a key the
//     push object does not take (refused), 1004 authentication failed and
//     1008 invalid app_key (credentials), 1011 no device matched the
//     audience, 2002 (HTTP 429) the app's call rate exceeded.
//   - Every answer carries X-Rate-Limit-Limit, X-Rate-Limit-Remaining and
//     X-Rate-Limit-Reset (seconds until the window resets).
//   - GET /v3/received/detail?msg_ids=a,b (≤100 ids) on the report host
//     answers one object per msg_id with per-channel figures
//     (jpush_received, android_pns_sent/received, ios_apns_sent/received,
//     ios_msg_received, hmos_hmpns_sent/received, quickapp_..., ...), a
//     null figure meaning none yet.
//
// The push host defaults to https://api.jpush.cn and the report host to
// https://report.jpush.cn. An account's base_url replaces both: push and
// report paths are appended to that one root (a private deployment, a
// test fake).
package jpush
