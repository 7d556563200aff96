package mock

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cmdbmock/cmdbmock/mock/topo"
)

// metrics are the mock's Prometheus metrics, in a registry of its own: two mocks in one process
// never share counters.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	series   sync.Map // seriesKey -> *series
}

// series are the metrics of a call's surface, route and code, looked up in the vectors once: a
// vector hashes and checks its label values on every lookup.
type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

type seriesKey struct {
	surface, route string
	code           int
}

func newMetrics(store *topo.Store) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cmdbmock_requests_total",
			Help: "CMDB calls answered, by surface, route and envelope code (-1: no envelope, such as a dropped connection).",
		}, []string{"surface", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cmdbmock_request_duration_seconds",
			Help:    "Time to answer a CMDB call, injected delays included.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"surface", "route"}),
	}
	m.registry.MustRegister(m.requests, m.latency,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "cmdbmock_stored_sets",
			Help: "Sets in the store, built-in ones included.",
		}, func() float64 { return float64(store.Len()) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

func (m *metrics) observe(surface, route string, code int, elapsed time.Duration) {
	key := seriesKey{surface, route, code}
	v, ok := m.series.Load(key)
	if !ok {
		v, _ = m.series.LoadOrStore(key, &series{
			requests: m.requests.WithLabelValues(surface, route, strconv.Itoa(code)),
			latency:  m.latency.WithLabelValues(surface, route),
		})
	}
	s := v.(*series)
	s.requests.Inc()
	s.latency.Observe(elapsed.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
