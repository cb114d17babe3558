// Package mxpush is the client for MX push (美信推送, now Lanying IM push by
// MaxIM), on the app's own API endpoint (there is no public default, so the
// base URL is required).
//
// Endpoints. POST /push/notify sends one push ({audience, setting,
// message}); GET /push/certificate proves the credentials; POST
// /push/task/detail reads the per-channel counts of tasks.
//
// Auth. Every call carries the "app_id" header and a static console
// "access-token" header. MX push has no API that issues or refreshes the
// token, so a refused token (10003, 10008) is Reauth that only an operator
// replacing it can fix.
//
// Idempotency. setting.request_id: a repeated id is not pushed again, so a
// retry under the same id is safe.
//
// Limits. At most 500 tags, aliases, user ids or push tokens per call
// (12005 above it); user ids are integers on the wire; an image
// attachment ends in .jpg, .jpeg or .png and is at most 1 MB (12002); a
// displayed message has no payload action, and a click URL travels as an
// Android intent URI (no fragment, no user info). The service documents no
// text limits and no rate limit: the declared ones are conservative.
// Vendor blocks (huawei, xiaomi, oppo, vivo, flyme, fcm) are decoded
// strictly by the server; Check refuses what it would.
//
// Errors. The answer is {"code", "data", "message"}; 200 is success.
// 10003 and 10008 are Reauth; 20000 (server database) and the vendor image
// uploads 12001 and 12003 are Retry; everything else (10002 bad
// parameters, 10010 no permission, licence and app errors) is Permanent.
// An HTTP 429 waits for its Retry-After, or 10 s.
package mxpush
