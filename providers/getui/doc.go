// Package getui is the client for the GeTui (个推) REST API v2.
//
// Endpoints. Every path hangs under {base}/v2/{app_id}: POST /auth issues a
// token; POST /push/single/cid and /push/single/alias push to one
// recipient, /push/single/batch/{cid,alias} to several with one message
// each; a list push first stores the message (POST /push/list/message,
// answering a task id) then sends it to up to 1000 cids or aliases per call
// (POST /push/list/{cid,alias}); POST /push/all and /push/tag are
// broadcasts; GET /report/push/task/{taskid} and
// /report/push/task_group/{group} are the reports (tasks only: a single
// push has no report).
//
// Auth. POST /auth takes sign = hex(sha256(appkey + timestamp +
// mastersecret)) with the timestamp in milliseconds, sent as a string; the
// token goes in the "token" header of every other call and lasts until its
// expire_time (milliseconds). Each Client caches its own token, refreshes
// it before expiry with one fetch at a time, and drops it on code 10001. A
// refused /auth is a configuration error, so it is not retried, except its
// own per-minute limit 10003.
//
// Idempotency. Every push body carries request_id (10–32 of
// [0-9A-Za-z_-]); GeTui drops a repeated one, so the engine's retry of a
// batch under the same id never delivers twice. A repeat may answer
// without data: nothing was sent again.
//
// Limits. 1000 recipients per list or batch call, 100 tags per tag push;
// texts as Capabilities.TextLimits declares; a display window must last
// longer than 6 minutes.
//
// Errors. The answer is {"code", "msg", "data"}; code 0 is success.
// 10001 (token invalid) is Reauth; 2 and 30019 (starting, busy) are Retry
// after a short wait; the per-minute quotas (10003, 10005, 30012–30015,
// 30018) are Retry after a minute, and 10005 and 30015, which the send rate
// itself causes, are marked RateLimited; the daily quotas (30004,
// 30006–30011) wait for the next midnight in China (UTC+8); every other
// code, 20001 (bad parameters, unknown recipients) among them, is
// Permanent. Statuses other than 200 without a JSON body (404, 405) are
// classified by status.
package getui
