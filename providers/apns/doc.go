// Package apns is the client for the Apple Push Notification service's
// HTTP/2 provider API with token-based (ES256 JWT) authentication.
//
// Protocol notes, as this client relies on them:
//
//   - One notification per request: POST {base}/3/device/{device token}
//     over HTTP/2, many requests in flight as concurrent streams of one
//     connection. An engine batch of recipients is therefore many requests,
//     and every recipient ends with an answer of its own.
//   - Headers: authorization "bearer <provider token>", apns-topic (the
//     app's bundle id), apns-push-type (alert, or background for a silent
//     content-available push), apns-priority (10 immediate, 5 for
//     background, which APNs requires), apns-expiration (UNIX seconds; absent
//     leaves APNs' storage policy), apns-collapse-id (at most 64 bytes:
//     notifications sharing it replace each other on the device) and
//     apns-id (a UUID APNs echoes back).
//   - Body: a JSON object of at most 4096 bytes whose "aps" dictionary holds
//     Apple's keys (alert{title, subtitle, body}, badge, sound, thread-id,
//     category, content-available, mutable-content, interruption-level);
//     every other top-level key is the app's own.
//   - The provider token is a JWT signed with the account's P-256 key (from
//     its .p8 file): header alg ES256 and kid (the 10-character key id),
//     claims iss (the 10-character team id) and iat. APNs refuses a token
//     older than an hour (403 ExpiredProviderToken) and one refreshed more
//     often than every 20 minutes (429 TooManyProviderTokenUpdates).
//   - Answers: 200 with apns-id; otherwise a JSON {"reason", "timestamp"}
//     body. 400 BadDeviceToken / DeviceTokenNotForTopic and 410
//     Unregistered / ExpiredToken are the recipient's; 403 is the provider
//     token's; 413 PayloadTooLarge; 429 TooManyRequests; 500 and 503 are
//     APNs' own trouble; other 400 reasons are the request's (the same for
//     every recipient of a message).
//   - APNs has no idempotency key: apns-id is only echoed. A repeated
//     request is delivered again; only a shared apns-collapse-id makes the
//     device show the repeat in place of the first.
package apns
