package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/web"
	"github.com/pushdeck/pushdeck/web/i18n"
	"github.com/pushdeck/pushdeck/web/pages/audience"
)

// audienceRoutes are the device registry, CSV import, segments and the
// audience preview: pages, htmx partials and the JSON API.
func (s *Server) audienceRoutes() []Route {
	return []Route{
		page(http.MethodGet, "/audience", viewer, s.showAudience),
		page(http.MethodGet, "/audience/devices/new", operator, s.showNewDevice),
		page(http.MethodPost, "/audience/devices", operator, s.createDevice),
		page(http.MethodGet, "/audience/devices/:id", viewer, s.showDevice),
		page(http.MethodGet, "/audience/devices/:id/edit", operator, s.showEditDevice),
		page(http.MethodPost, "/audience/devices/:id", operator, s.updateDevice),
		page(http.MethodPost, "/audience/devices/:id/delete", operator, s.deleteDevice),
		page(http.MethodPost, "/audience/devices/:id/clear-invalid", operator, s.clearDeviceInvalid),
		page(http.MethodGet, "/audience/devices/:id/attributes", operator, s.showDeviceAttrs),
		page(http.MethodPost, "/audience/devices/:id/attributes", operator, s.saveDeviceAttrs),
		page(http.MethodPost, "/audience/seed", operator, s.seedSandbox),
		page(http.MethodPost, "/audience/devices/bulk", operator, s.bulkDevices),
		page(http.MethodGet, "/audience/import", operator, s.showImport),
		page(http.MethodPost, "/audience/import", operator, s.startImport),
		page(http.MethodGet, "/audience/import/:id", operator, s.showImportJob),
		page(http.MethodGet, "/audience/segments", viewer, s.showSegments),
		page(http.MethodGet, "/audience/segments/new", operator, s.showNewSegment),
		page(http.MethodPost, "/audience/segments", operator, s.createSegment),
		page(http.MethodGet, "/audience/segments/:id", viewer, s.showSegment),
		page(http.MethodPost, "/audience/segments/:id", operator, s.saveSegment),
		page(http.MethodPost, "/audience/segments/:id/delete", operator, s.deleteSegment),
		// Read-only counts: POST because they carry a form, viewer because
		// they change nothing.
		page(http.MethodPost, "/audience/segment-count", viewer, s.segmentCount),
		page(http.MethodPost, "/audience/preview", viewer, s.audiencePreview),

		api(http.MethodGet, "/devices", viewer, s.apiListDevices),
		api(http.MethodPost, "/devices", operator, s.apiUpsertDevices),
		api(http.MethodPost, "/devices/import", operator, s.apiImportDevices),
		api(http.MethodGet, "/devices/tags", viewer, s.apiListTags),
		api(http.MethodPost, "/devices/tags", operator, s.apiTagDevices),
		api(http.MethodPost, "/devices/alias", operator, s.apiSetAlias),
		api(http.MethodPost, "/devices/delete", operator, s.apiDeleteDevices),
		api(http.MethodPost, "/audience/preview", viewer, s.apiAudiencePreview),
		api(http.MethodGet, "/segments", viewer, s.apiListSegments),
		api(http.MethodPost, "/segments", operator, s.apiCreateSegment),
		api(http.MethodGet, "/segments/:id", viewer, s.apiGetSegment),
		api(http.MethodPut, "/segments/:id", operator, s.apiUpdateSegment),
		api(http.MethodDelete, "/segments/:id", operator, s.apiDeleteSegment),
	}
}

// devicePageSize is the device list's page length; matchCountBound is
// where the count of a filter's matches stops (a bounded scan).
const (
	devicePageSize  = 50
	matchCountBound = 10_000
)

func (s *Server) showAudience(c *gin.Context) {
	ctx := c.Request.Context()
	accts, acct, err := s.audienceAccount(ctx, c.Query("provider_id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	v := audience.DevicesView{Tabs: audience.Tabs{Current: "devices"}, Accounts: accts, Platforms: platformOptions(ctx, true)}
	if acct.ID == 0 {
		s.render(c, http.StatusOK, audience.Devices(v))
		return
	}
	pid := strconv.FormatInt(acct.ID, 10)
	v.Tabs.ProviderID, v.ProviderID, v.Account = pid, pid, acct.Name
	caps, _ := s.reg.Capabilities(providers.Kind(acct.Kind))
	v.Sandbox, v.NewURL = caps.Simulated, "/audience/devices/new?provider_id="+pid
	v.Filter = audience.Filter{Tag: c.Query("tag"), Platform: c.Query("platform"), Vendor: c.Query("vendor"), Region: c.Query("region"), Q: c.Query("q"),
		Invalid: invalidFilter(c.Query("invalid"))}
	f := models.DeviceFilter{ProviderID: acct.ID, Tag: v.Filter.Tag, Platform: v.Filter.Platform, Vendor: v.Filter.Vendor,
		Region: v.Filter.Region, Q: v.Filter.Q, Invalid: v.Filter.Invalid, After: c.Query("after"), Limit: devicePageSize}
	v.Filtered = f.Tag != "" || f.Platform != "" || f.Vendor != "" || f.Region != "" || f.Q != "" || f.Invalid != ""
	ds, next, err := s.store.ListDevices(ctx, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, d := range ds {
		v.Rows = append(v.Rows, audience.DeviceRow{URL: fmt.Sprintf("/audience/devices/%d", d.ID), CID: d.CID, Alias: d.Alias, UserID: d.UserID,
			Platform: d.Platform, Vendor: d.Vendor, Region: d.Region, Tags: d.Tags, OptedOut: d.OptedOut, Updated: when(d.UpdatedAt),
			InvalidSince: whenPtr(d.InvalidAt), InvalidReason: d.InvalidReason})
	}
	if next != "" {
		v.NextURL = deviceListURL(acct.ID, v.Filter, next)
	}
	if f.After != "" {
		v.FirstURL = deviceListURL(acct.ID, v.Filter, "")
	}
	v.BackURL = deviceListURL(acct.ID, v.Filter, f.After)
	total, err := s.store.CountDevices(ctx, acct.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Total = num(total)
	if v.Filtered {
		n, more, err := s.store.CountMatchingDevices(ctx, f, matchCountBound)
		if err != nil {
			s.fail(c, err)
			return
		}
		v.Matches, v.MatchesN, v.FilterText = num(n), n, filterText(ctx, v.Filter)
		if more {
			v.Matches += "+"
		}
	}
	tags, err := s.store.ListTags(ctx, acct.ID, 100)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, t := range tags {
		tf := audience.Filter{Tag: t.Name}
		v.Tags = append(v.Tags, audience.TagRow{Name: t.Name, Devices: num(t.Devices), URL: deviceListURL(acct.ID, tf, ""), Active: t.Name == f.Tag})
	}
	s.render(c, http.StatusOK, audience.Devices(v))
}

// filterText names a device filter: "Tag: vip, Platform: Android".
func filterText(ctx context.Context, f audience.Filter) string {
	platform := ""
	if f.Platform != "" {
		platform = audience.PlatformLabel(ctx, f.Platform)
	}
	invalid := ""
	switch f.Invalid {
	case models.InvalidOnly:
		invalid = i18n.T(ctx, "invalid.filter_only")
	case models.InvalidExcluded:
		invalid = i18n.T(ctx, "invalid.filter_exclude")
	}
	var parts []string
	for _, p := range []struct{ label, value string }{{"audience.search", f.Q}, {"audience.field_tag", f.Tag},
		{"audience.field_platform", platform}, {"audience.field_vendor", f.Vendor}, {"audience.field_region", f.Region},
		{"invalid.filter", invalid}} {
		if v := strings.TrimSpace(p.value); v != "" {
			parts = append(parts, i18n.T(ctx, p.label)+": "+v)
		}
	}
	return strings.Join(parts, ", ")
}

// deviceListURL is the device list of an account with a filter, from a cursor.
func deviceListURL(providerID int64, f audience.Filter, after string) string {
	q := url.Values{"provider_id": {strconv.FormatInt(providerID, 10)}}
	for k, v := range map[string]string{"tag": f.Tag, "platform": f.Platform, "vendor": f.Vendor, "region": f.Region, "q": f.Q, "invalid": f.Invalid, "after": after} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return "/audience?" + q.Encode()
}

// audienceAccount lists the accounts for the selector and picks the one
// named by raw (a provider id), else the first. acct.ID is 0 when there is
// no account at all.
func (s *Server) audienceAccount(ctx context.Context, raw string) ([]web.Option, models.ProviderAccount, error) {
	as, err := s.store.ListProviderAccounts(ctx)
	if err != nil {
		return nil, models.ProviderAccount{}, err
	}
	var opts []web.Option
	var pick models.ProviderAccount
	want, _ := strconv.ParseInt(raw, 10, 64)
	for _, a := range as {
		opts = append(opts, web.Option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name + " (" + i18n.T(ctx, "kind."+a.Kind) + ")"})
		if pick.ID == 0 || a.ID == want {
			pick = a
		}
	}
	return opts, pick, nil
}

// platformOptions are the platform choices; withAny adds "any platform".
func platformOptions(ctx context.Context, withAny bool) []web.Option {
	var out []web.Option
	if withAny {
		out = append(out, web.Option{Value: "", Label: i18n.T(ctx, "audience.any_platform")})
	}
	for _, p := range models.Platforms {
		out = append(out, web.Option{Value: p, Label: audience.PlatformLabel(ctx, p)})
	}
	return out
}

// splitTags splits a typed tag list on commas, semicolons and newlines.
func splitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' })
}

// nativeKind names the audience's kind ("all" or "tag") when the engine
// sends it to the account natively, as one request the provider resolves
// against every device it knows; "" when the engine lists the recipients
// itself, so the registry's count is exact. The engine applies the
// planner's own rule. The error is the account's client failing to build
// (credentials that no longer open, an unusable configuration).
func (s *Server) nativeKind(ctx context.Context, acct models.ProviderAccount, a models.Audience) (string, error) {
	native, err := s.engine.SendsNatively(ctx, acct, a)
	if err != nil || !native {
		return "", err
	}
	return a.Kind, nil
}

// invalidFilter keeps the device list's "invalid" query value only when it
// is one the store knows; anything else lists every device.
func invalidFilter(q string) string {
	if q == models.InvalidOnly || q == models.InvalidExcluded {
		return q
	}
	return ""
}
