package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads the metrics of m and returns each sample's value by
// "name{label=value,...}" (labels sorted, empty ones left out).
func scrape(t *testing.T, m *msa) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + m.metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, s := range f.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				if l.GetValue() != "" {
					labels = append(labels, l.GetName()+"="+l.GetValue())
				}
			}
			slices.Sort(labels)
			key := name + "{" + strings.Join(labels, ",") + "}"
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[key] = s.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key] = s.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[key+"_count"] = float64(s.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

// Real submissions move the counters by exactly what happened.
func TestMetrics(t *testing.T) {
	t.Parallel()
	m, spool := startMSA(t, "-metrics", "127.0.0.1:0")

	c := goClient(t, m.addr, true) // AUTH PLAIN, accepted
	if err := send(c, testFrom, []string{testRcpt, "carol@example.com"}, testMessage); err != nil {
		t.Fatal(err)
	}
	if err := send(c, "mallory@example.com", []string{testRcpt}, testMessage); err == nil {
		t.Fatal("a foreign sender was accepted")
	}
	_ = c.Reset()
	if err := send(c, testFrom, []string{"bob@example"}, testMessage); err == nil {
		t.Fatal("an unqualified recipient was accepted")
	}
	_ = c.Reset()
	bad := goClient(t, m.addr, false)
	if err := bad.Auth(sasl.NewPlainClient("", testUser, "wrong")); err == nil {
		t.Fatal("a wrong password was accepted")
	}
	msgs := readSpool(t, spool)
	if len(msgs) != 1 {
		t.Fatalf("spool holds %d messages, want 1", len(msgs))
	}
	got := scrape(t, m)
	size := float64(len(testMessage))
	for key, want := range map[string]float64{
		`msakit_decisions_total{code=250,stage=MAIL}`:                                       2,
		`msakit_decisions_total{code=550,enhanced=5.7.1,policy=enforce-sender,stage=MAIL}`:  1,
		`msakit_decisions_total{code=250,stage=RCPT}`:                                       2,
		`msakit_decisions_total{code=554,enhanced=5.1.2,policy=qualify-domains,stage=RCPT}`: 1,
		`msakit_decisions_total{code=250,stage=DATA}`:                                       1,
		`msakit_decisions_total{code=235,stage=AUTH}`:                                       1,
		`msakit_decisions_total{code=535,enhanced=5.7.8,stage=AUTH}`:                        1,
		`msakit_auth_total{mechanism=PLAIN,result=success}`:                                 1,
		`msakit_auth_total{mechanism=PLAIN,result=failure}`:                                 1,
		`msakit_data_bytes_total{result=accepted}`:                                          size,
		`msakit_messages_total{result=queued}`:                                              1,
		`msakit_sessions_open{}`:                                                            2,
	} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v", key, got[key], want)
		}
	}
	if n := len(msgs[0].eml); float64(n) <= size {
		t.Errorf("the spooled message has %d octets; data bytes count the %v received", n, size)
	}
	if got["msakit_relay_duration_seconds{result=ok}_count"] != 0 {
		t.Error("relay latency observed without a relay")
	}
	if _, ok := got["go_goroutines{}"]; !ok {
		t.Error("no Go runtime metrics")
	}
}

// With a relay, its latency is observed per message.
func TestMetricsRelay(t *testing.T) {
	t.Parallel()
	_, addr := startUpstream(t, nil, nil)
	m, _ := startMSA(t, "-metrics", "127.0.0.1:0", "-relay", addr)
	c := goClient(t, m.addr, true)
	for range 2 {
		if err := send(c, testFrom, []string{testRcpt}, testMessage); err != nil {
			t.Fatal(err)
		}
	}
	got := scrape(t, m)
	if got["msakit_relay_duration_seconds{result=ok}_count"] != 2 || got["msakit_messages_total{result=queued}"] != 2 {
		t.Errorf("relay: %v observations, %v queued; want 2 and 2", got["msakit_relay_duration_seconds{result=ok}_count"], got["msakit_messages_total{result=queued}"])
	}
}
