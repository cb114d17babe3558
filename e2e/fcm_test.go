package e2e

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/providers/fcm"
	"github.com/pushdeck/pushdeck/providers/providertest/fcmfake"
)

// fcmRun is what one listed send through an fcm account measured.
type fcmRun struct {
	sendRun
	fake *fcmfake.Server
	// serverCPU and fakeCPU are the CPU time the binary (engine and FCM
	// client) and this test process (the fake, and the polling) spent
	// from send to completed.
	serverCPU, fakeCPU time.Duration
	// fakeAlloc is what this process allocated meanwhile, bytes: the
	// fake's garbage, which the machine's load does not change.
	fakeAlloc uint64
}

// fcmSend drives the real binary through its CLI and JSON API only: an fcm
// account whose base URL and service-account token_uri are the fake on
// loopback (HTTP/2 over TLS, its certificate trusted through
// SSL_CERT_FILE), the account tested (validate_only), a campaign listing
// n device tokens created with one streamed POST, inject's faults put in,
// the campaign sent and polled every 100 ms until it completes.
func fcmSend(tb testing.TB, n int, opts []fcmfake.Option, inject func(f *fcmfake.Server)) fcmRun {
	tb.Helper()
	fake := fcmfake.New(tb, opts...)
	certFile := filepath.Join(tb.TempDir(), "fake-ca.pem")
	if err := os.WriteFile(certFile, fake.CertificatePEM(), 0o600); err != nil {
		tb.Fatal(err)
	}
	srv := newServer(tb)
	srv.env = append(srv.env, "SSL_CERT_FILE="+certFile)
	key := srv.cli("apikey", "create", "--name", "fcm", "--role", "admin")
	srv.start()

	// A key file that is not JSON is refused by field, and nothing is stored.
	var refused struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	bad := map[string]any{"name": "firebase", "kind": "fcm", "base_url": fake.URL, "credentials": map[string]any{"service_account": "{not json"}}
	if code := srv.api(http.MethodPost, "/api/v1/providers", key, bad, &refused); code != http.StatusUnprocessableEntity || refused.Error.Fields["credentials.service_account"] == "" {
		tb.Fatalf("a broken key file: %d %v, want 422 naming credentials.service_account", code, refused.Error.Fields)
	}
	var acct struct {
		ID int64 `json:"id"`
	}
	body := map[string]any{"name": "firebase", "kind": "fcm", "base_url": fake.URL,
		"credentials": map[string]any{"service_account": string(fake.ServiceAccountJSON())}}
	if code := srv.api(http.MethodPost, "/api/v1/providers", key, body, &acct); code != http.StatusCreated {
		tb.Fatalf("create provider: %d\n%s", code, srv.logTail())
	}
	var ok struct {
		OK bool `json:"ok"`
	}
	if code := srv.api(http.MethodPost, fmt.Sprintf("/api/v1/providers/%d/test", acct.ID), key, nil, &ok); code != http.StatusOK || !ok.OK {
		tb.Fatalf("test provider: %d %+v\n%s", code, ok, srv.logTail())
	}
	if st := fake.Stats(); st.Validated != 1 || len(fake.DeliveryCounts()) != 0 {
		tb.Fatalf("the account test validated %d messages and delivered %d", st.Validated, len(fake.DeliveryCounts()))
	}

	run := fcmRun{sendRun: sendRun{n: n}, fake: fake}
	start := time.Now()
	id := createListed(tb, srv, key, acct.ID, n)
	run.create = time.Since(start)
	run.createRSS = vmHWM(tb, srv.cmd.Process.Pid)
	if inject != nil {
		inject(fake)
	}
	start = time.Now()
	server0, fake0, alloc0 := processCPU(tb, srv.cmd.Process.Pid), selfCPU(tb), selfAlloc()
	if code := srv.api(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/send", id), key, nil, nil); code != http.StatusOK {
		tb.Fatalf("send: %d\n%s", code, srv.logTail())
	}
	deadline := start.Add(30 * time.Minute)
	for {
		time.Sleep(100 * time.Millisecond)
		var c struct {
			Status string `json:"status"`
			Reason string `json:"status_reason"`
			Totals struct {
				Recipients int64 `json:"recipients"`
				Accepted   int64 `json:"accepted"`
			} `json:"totals"`
		}
		srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", id), key, nil, &c)
		run.polls++
		if c.Status == "completed" {
			run.send = time.Since(start)
			run.serverCPU, run.fakeCPU = processCPU(tb, srv.cmd.Process.Pid)-server0, selfCPU(tb)-fake0
			run.fakeAlloc = selfAlloc() - alloc0
			run.accepted, run.recipients = c.Totals.Accepted, c.Totals.Recipients
			break
		}
		if c.Status == "failed" || c.Status == "cancelled" || c.Status == "paused" {
			tb.Fatalf("campaign %s (%s)\n%s", c.Status, c.Reason, srv.logTail())
		}
		if time.Now().After(deadline) {
			tb.Fatalf("campaign still %s after 30 min: %+v", c.Status, c.Totals)
		}
	}
	run.peakRSSMB = vmHWM(tb, srv.cmd.Process.Pid)
	run.srv, run.key, run.id = srv, key, id
	return run
}

// fcmRecipients is n: 5,000 in the normal suite, 100,000 with
// PUSHDECK_BENCH_FULL=1.
func fcmRecipients() int {
	if os.Getenv("PUSHDECK_BENCH_FULL") == "1" {
		return 100_000
	}
	return 5_000
}

// delivery is one line of the deliveries CSV.
type delivery struct{ status, code, message, requestID string }

// deliveryRows reads every delivery row of the campaign from the API's CSV
// export, failing on a recipient listed twice.
func deliveryRows(tb testing.TB, run fcmRun) map[string]delivery {
	tb.Helper()
	code, raw := run.srv.apiRaw(2*time.Minute, http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/deliveries.csv", run.id), run.key, nil)
	if code != http.StatusOK {
		tb.Fatalf("deliveries.csv: %d %.300s", code, raw)
	}
	r := csv.NewReader(strings.NewReader(string(raw)))
	if _, err := r.Read(); err != nil {
		tb.Fatal(err)
	}
	out := map[string]delivery{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if _, dup := out[rec[0]]; dup {
			tb.Fatalf("%s has two delivery rows", rec[0])
		}
		out[rec[0]] = delivery{status: rec[1], code: rec[2], message: rec[3], requestID: rec[4]}
	}
	return out
}

// TestFCMCampaignUnderFaults sends a listed campaign through the binary to
// the FCM fake with every fault it scripts: short-lived access tokens
// (refreshed by the library) and all of them expired mid-run (401, one
// refresh), every 89th call answered 503 with Retry-After, 500, 429 with
// Retry-After or a proxy's 502, every 113th delivered message's answer
// lost, and tokens that are unregistered, another sender's, malformed or
// refused by APNs. Every recipient ends with exactly one delivery row, the
// totals match the rows, the rows match what the fake delivered, and a
// token that got the message twice got it under the same collapse key.
func TestFCMCampaignUnderFaults(t *testing.T) {
	n := fcmRecipients()
	scripted := map[string]string{}
	for i := 0; i < n; i++ {
		switch i % 997 {
		case 5:
			scripted[benchCID(i)] = fcmfake.CodeUnregistered
		case 11:
			scripted[benchCID(i)] = fcmfake.CodeInvalidArgument
		case 17:
			scripted[benchCID(i)] = fcmfake.CodeSenderIDMismatch
		case 23:
			scripted[benchCID(i)] = fcmfake.CodeThirdPartyAuth
		}
	}
	run := fcmSend(t, n, []fcmfake.Option{fcmfake.WithTokenTTL(11 * time.Second)}, func(f *fcmfake.Server) {
		for tok, code := range scripted {
			f.SetTokenError(code, tok)
		}
		f.FailEvery(89, fcmfake.Fault{Status: 503, RetryAfter: time.Second}, fcmfake.Fault{Status: 500},
			fcmfake.Fault{Status: 429, RetryAfter: time.Second}, fcmfake.Fault{Status: 502})
		f.LoseAnswerEvery(113)
		go func() {
			time.Sleep(300 * time.Millisecond)
			f.ExpireTokens()
		}()
	})
	rows := deliveryRows(t, run)
	thirdParty := englishText(t, fcm.MsgThirdPartyAuth)
	if len(rows) != n || run.recipients != int64(n) {
		t.Fatalf("%d delivery rows, %d recipients; want %d", len(rows), run.recipients, n)
	}
	counts := map[string]int64{}
	for tok, d := range rows {
		counts[d.status]++
		got := run.fake.Deliveries(tok)
		switch want := scripted[tok]; {
		case want == fcmfake.CodeThirdPartyAuth:
			if d.status != "failed" || d.code != want || len(got) != 0 || d.message != thirdParty {
				t.Errorf("%s: %+v with %d deliveries, want failed %s saying %q", tok, d, len(got), want, thirdParty)
			}
		case want != "":
			if d.status != "invalid" || len(got) != 0 {
				t.Errorf("%s: %+v with %d deliveries, want invalid (%s)", tok, d, len(got), want)
			}
		case d.status == "accepted":
			if len(got) == 0 {
				t.Errorf("%s accepted, but the fake delivered nothing", tok)
			}
			for _, g := range got {
				if g.CollapseKey != d.requestID || g.APNSCollapseID != d.requestID {
					t.Errorf("%s: delivered under %q/%q, its batch's request id is %q", tok, g.CollapseKey, g.APNSCollapseID, d.requestID)
				}
			}
		case d.status == "failed":
			// Unsettled after the client's attempts in a batch that was
			// partly delivered: reported, not sent again.
			t.Logf("%s failed: %s", tok, d.code)
		default:
			t.Errorf("%s: %+v", tok, d)
		}
	}
	repeats := 0
	for _, c := range run.fake.DeliveryCounts() {
		repeats += c - 1
	}
	st := run.fake.Stats()
	if repeats > st.Lost || st.Lost == 0 {
		t.Errorf("%d repeated deliveries for %d lost answers (a repeat needs a lost answer, and some must be lost)", repeats, st.Lost)
	}
	if st.TokenCalls < 3 {
		t.Errorf("%d token calls: the expiry and the short lifetime should have fetched new tokens", st.TokenCalls)
	}
	var c struct {
		Totals map[string]int64 `json:"totals"`
	}
	run.srv.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", run.id), run.key, nil, &c)
	for _, s := range []string{"accepted", "invalid", "failed"} {
		if c.Totals[s] != counts[s] {
			t.Errorf("totals.%s = %d, the rows say %d", s, c.Totals[s], counts[s])
		}
	}
	if c.Totals["pending"] != 0 || counts["failed"] > int64(n/100) {
		t.Errorf("totals %v: nothing pending and few failures expected", c.Totals)
	}
	checkFailureTexts(t, run, fcm.MsgThirdPartyAuth)
	t.Logf("%d recipients in %v: %v; %d calls, %d token calls, %d answers lost, %d repeats, max %d in flight",
		n, run.send, c.Totals, st.Calls, st.TokenCalls, st.Lost, repeats, st.MaxConcurrent)
}

// BenchmarkFCMSendE2E sends a listed campaign of device tokens through the
// real binary to the FCM fake on loopback (one HTTP/2 request per token)
// with default account settings, and reports recipients/s from send to
// completed and the server's peak RSS. Gated like the other end-to-end
// benchmark:
//
//	PUSHDECK_BENCH_E2E=1 go test -run '^$' -bench FCMSendE2E -benchtime 1x ./e2e
//
// PUSHDECK_BENCH_RECIPIENTS sets the list's length (default 100,000).
func BenchmarkFCMSendE2E(b *testing.B) {
	if os.Getenv("PUSHDECK_BENCH_E2E") != "1" {
		b.Skip("set PUSHDECK_BENCH_E2E=1 to run the FCM send through the binary")
	}
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("PUSHDECK_BENCH_RECIPIENTS")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		run := fcmSend(b, n, nil, nil)
		if run.accepted != int64(n) {
			b.Fatalf("accepted %d, want %d", run.accepted, n)
		}
		rate := float64(n) / run.send.Seconds()
		b.ReportMetric(rate, "recipients/s")
		b.ReportMetric(run.peakRSSMB, "server_peak_rss_MB")
		// CPU per recipient on each side of loopback: the binary (engine,
		// SQLite, FCM client) and the fake, which share the machine's cores.
		serverUS := float64(run.serverCPU.Microseconds()) / float64(n)
		fakeUS := float64(run.fakeCPU.Microseconds()) / float64(n)
		b.ReportMetric(serverUS, "server_cpu_us/recipient")
		b.ReportMetric(fakeUS, "fake_cpu_us/recipient")
		b.ReportMetric(float64(run.fakeAlloc)/1024/float64(n), "fake_alloc_KB/recipient")
		st := run.fake.Stats()
		b.Logf("fcm send through the API: %d recipients, send %.2fs = %.0f recipients/s, server peak RSS %.0f MB, CPU per recipient %.1f µs server + %.1f µs fake, %d calls, max %d in flight",
			n, run.send.Seconds(), rate, run.peakRSSMB, serverUS, fakeUS, st.Calls, st.MaxConcurrent)
	}
}
