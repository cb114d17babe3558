package providers

import "net/http"

// RoundTripper is the transport behind hc (Go's default when hc has none).
//
// Providers that make one request per recipient (FCM v1, APNs) call it
// directly rather than hc.Do: for every request, http.Client copies the
// headers aside to replay them on a redirect, forks the request to arm its
// timeout and wraps the answer's body, which at tens of thousands of
// requests a second is a good part of the garbage a send makes. They lose
// nothing by it: HTTPClient already hands a redirect back as the answer
// (the transport never follows one), there is no cookie jar, and each call
// bounds itself with its own context deadline instead of hc.Timeout.
func RoundTripper(hc *http.Client) http.RoundTripper {
	if hc == nil || hc.Transport == nil {
		return http.DefaultTransport
	}
	return hc.Transport
}
