package api

import (
	"database/sql"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the service's Prometheus metrics: requests by route and
// status, their latency, assessments by origin and outcome (the
// application layer's observer), the Go runtime, the process and the
// database pools.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	assessments *prometheus.CounterVec
}

// Pool is a database connection pool whose statistics are exported
// under its name.
type Pool struct {
	Name string
	DB   *sql.DB
}

// NewMetrics registers the metrics on reg (a fresh registry when nil)
// and the statistics of the database pools given.
func NewMetrics(reg *prometheus.Registry, pools ...Pool) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{reg: reg,
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
	for _, p := range pools {
		reg.MustRegister(collectors.NewDBStatsCollector(p.DB, p.Name))
	}
	return m
}

func (m *Metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// Assessed counts an assessment for the application layer (app.Observer).
func (m *Metrics) Assessed(origin, outcome string) {
	m.assessments.WithLabelValues(origin, outcome).Inc()
}
