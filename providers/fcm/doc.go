// Package fcm is the client for Firebase Cloud Messaging HTTP v1:
// POST {base}/v1/projects/{project_id}/messages:send with an OAuth2 access
// token of the scope firebase.messaging, obtained by a JWT assertion signed
// with the service account's key and exchanged at the key file's token_uri.
//
// Protocol notes the code relies on:
//   - v1 takes one target per request (a token, a topic or a condition of
//     at most five topics); there is no multicast, so an engine batch of
//     device tokens is one request per token, many in flight over one
//     HTTP/2 connection.
//   - A refusal is a google.rpc.Status {code, message, status, details};
//     details hold an FcmError {errorCode} and, for bad fields, a
//     google.rpc.BadRequest {fieldViolations}. UNREGISTERED (404) and
//     SENDER_ID_MISMATCH (403) mean the token is gone or another sender's;
//     INVALID_ARGUMENT (400) is about the token or about the message;
//     QUOTA_EXCEEDED (429) and UNAVAILABLE (503) come with Retry-After;
//     INTERNAL (500) may be retried; THIRD_PARTY_AUTH_ERROR (401) means
//     APNs or web push refused the project's credentials, so only those
//     tokens fail; a 401 without it is the access token.
//   - FCM keeps no request id: a repeated request is a second message. The
//     client sets android.collapse_key, android.notification.tag and the
//     apns-collapse-id header to the engine's request id, so a repeat
//     replaces the notification a device shows instead of adding one.
//   - validate_only checks a request (credentials, project, message)
//     without delivering it; Verify uses it with a topic.
//   - data is a map of strings within 4096 bytes (2048 to topics), without
//     the keys "from", "message_type" or those starting "google." or "gcm.".
package fcm
