package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/msakit/msakit/examples/gosmtp"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// metrics are the Prometheus metrics of -metrics ADDR, served at /metrics
// from a registry of their own (no global state). msakit's decisions come
// through its Observer hook (submission.Config.Observer); the rest is the
// program's: sessions open, messages queued, relay latency.
type metrics struct {
	reg       *prometheus.Registry
	decisions *prometheus.CounterVec
	auth      *prometheus.CounterVec
	dataBytes *prometheus.CounterVec
	queued    *prometheus.CounterVec
	relay     *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "msakit_decisions_total",
			Help: "MAIL, RCPT, DATA and AUTH decisions of msakit, by stage, reply code (250 or 235 when accepted), enhanced status code and the refusing policy.",
		}, []string{"stage", "code", "enhanced", "policy"}),
		auth: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "msakit_auth_total",
			Help: "AUTH exchanges by SASL mechanism and result: success, failure (5xx) or temporary (4xx).",
		}, []string{"mechanism", "result"}),
		dataBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "msakit_data_bytes_total",
			Help: "Message octets received in DATA or BDAT, as the clients sent them, by msakit's decision: accepted or refused.",
		}, []string{"result"}),
		queued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "msakit_messages_total",
			Help: "Messages msakit accepted, by what became of them: queued (spooled, or relayed with the upstream's 250; the client got 250) or failed (the client got the spool's or the relay's refusal).",
		}, []string{"result"}),
		relay: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "msakit_relay_duration_seconds",
			Help:    "Time the upstream MTA took for one message, connection to end of data, by result: ok, temporary (4xx) or permanent (5xx).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.decisions, m.auth, m.dataBytes, m.queued, m.relay,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

var _ submission.Observer = (*metrics)(nil)

// Observe implements submission.Observer.
func (m *metrics) Observe(_ context.Context, e submission.Event) {
	code := strconv.Itoa(e.Code)
	if e.Code == 0 {
		code = "250"
		if e.Stage == submission.StageAuth {
			code = "235"
		}
	}
	m.decisions.WithLabelValues(e.Stage.String(), code, e.Enhanced, e.Policy).Inc()
	switch {
	case e.Stage == submission.StageAuth:
		result := "success"
		switch {
		case e.Code >= 500:
			result = "failure"
		case e.Code >= 400:
			result = "temporary"
		}
		m.auth.WithLabelValues(e.Mechanism, result).Inc()
	case e.Stage == submission.StageData && e.Size > 0:
		result := "accepted"
		if e.Code != 0 {
			result = "refused"
		}
		m.dataBytes.WithLabelValues(result).Add(float64(e.Size))
	}
}

// sessionsOpen exports the adapter's count of open sessions.
func (m *metrics) sessionsOpen(be *gosmtp.Backend) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "msakit_sessions_open",
		Help: "SMTP sessions open now.",
	}, func() float64 { return float64(be.Sessions()) }))
}

// relayed records the time an upstream took and how it answered.
func (m *metrics) relayed(d time.Duration, err error) {
	m.relay.WithLabelValues(resultClass(err)).Observe(d.Seconds())
}

// resultClass is "ok", "temporary" (a 4xx, or any error that is not a
// reply) or "permanent" (a 5xx).
func resultClass(err error) string {
	var r *policy.Reply
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &r) && r.Code >= 500:
		return "permanent"
	}
	return "temporary"
}

// counted wraps a Deliverer to count what became of each message.
func (m *metrics) counted(d gosmtp.Deliverer) gosmtp.Deliverer {
	return gosmtp.DeliverFunc(func(ctx context.Context, msg *gosmtp.Message) error {
		err := d.Deliver(ctx, msg)
		result := "queued"
		if err != nil {
			result = "failed"
		}
		m.queued.WithLabelValues(result).Inc()
		return err
	})
}

// serve serves /metrics on l until the server is shut down.
func (m *metrics) serve(l net.Listener, logger *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError)}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.LogAttrs(context.Background(), slog.LevelError, "metrics server", slog.Any("err", err))
		}
	}()
	return srv
}
