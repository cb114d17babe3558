// Package wecom is the client for WeCom (企业微信) application messages.
//
// Endpoints. GET /cgi-bin/gettoken?corpid=&corpsecret= issues a token;
// POST /cgi-bin/message/send?access_token= sends one of text, textcard,
// markdown or news to users (touser, "|"-joined, or "@all"), departments
// (toparty) or tags (totag); POST /cgi-bin/message/recall withdraws a
// message by its msgid; POST /cgi-bin/message/get_statistics gives one
// figure per app and day.
//
// Auth. The token lasts expires_in seconds (7200); each Client caches its
// own, refreshes it five minutes early with one fetch at a time, and drops
// it when WeCom refuses it (40014, 42001, or 41001 for an empty token).
// Tokens and secrets travel in the query, so they are removed from every
// error and log line.
//
// Idempotency. There is no request id. enable_duplicate_check drops a
// request identical to one taken within duplicate_check_interval (at most
// 4 hours, default 1800 s), so the body is built from the request alone and
// a retry within the window is safe.
//
// Limits. 1000 users, 100 departments, 100 tags per call; text and
// markdown content ≤ 2048 bytes (45002 above it), textcard title ≤ 128 and
// description ≤ 512 bytes, button ≤ 4 characters, news 1–8 articles
// (45008), URLs ≤ 2048 bytes. WeCom silently drops messages past 30 per
// member per minute and 1000 per member per hour for one app, and caps an
// app at (licensed accounts × 200) person-times a day: the client cannot see
// those drops, so the engine paces sends to the same members and the
// declared request rate is low.
//
// Errors. The answer is {"errcode", "errmsg", …}; 0 is success, and a
// partial failure still is: invaliduser, invalidparty, invalidtag and
// unlicenseduser list the recipients that were not reached. 45009
// (frequency) and 45033 (concurrency) are Retry and RateLimited; -1
// (busy) and 6000 (version conflict) are Retry; 81013 (every recipient
// invalid) is Permanent with AllRecipientsInvalid; everything else —
// parameters, permissions, an untrusted IP, and for gettoken a bad secret
// or corp id, where retrying risks a one-hour IP ban — is Permanent.
package wecom
