package api

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ecotax/ecotax/store"
)

type metrics struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	assessments *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, db *store.DB) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecotax_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ecotax_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
		assessments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecotax_assessments_total", Help: "Tax assessments by where they came from (calculator, declaration) and outcome.",
		}, []string{"origin", "outcome"}),
	}
	reg.MustRegister(m.requests, m.duration, m.assessments,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		reg.MustRegister(collectors.NewDBStatsCollector(db.SQL(), db.Dialect()))
		if db.ReadSQL() != db.SQL() {
			reg.MustRegister(collectors.NewDBStatsCollector(db.ReadSQL(), db.Dialect()+"_read"))
		}
	}
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// Assessed counts an assessment for the application layer (app.Observer).
func (m *metrics) Assessed(origin, outcome string) {
	m.assessments.WithLabelValues(origin, outcome).Inc()
}
