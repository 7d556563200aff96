// Package mocktest starts an in-process cmdbmock for the tests of services that call BlueKing
// CMDB: one call gives a mock on a loopback port, its base URL, and typed access to its store,
// journal and fault rules; the test's cleanup stops it.
package mocktest

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/cmdbmock/cmdbmock/fixtures"
	"github.com/cmdbmock/cmdbmock/mock"
	"github.com/cmdbmock/cmdbmock/mock/topo"
	"github.com/cmdbmock/cmdbmock/spec"
)

// Options configure the mock; the zero value serves the embedded fixtures like a fresh CMDB.
type Options struct {
	Config   mock.Config
	Fixtures *fixtures.Fixtures // nil: the embedded defaults
}

// Mock is a running mock.
type Mock struct {
	// URL is the base URL, such as http://127.0.0.1:41235; append the CMDB paths to it.
	URL    string
	Server *mock.Server
	http   *httptest.Server
}

// Start starts a mock for the test and stops it at the test's cleanup; it fails the test if the
// mock cannot start.
func Start(tb testing.TB, opts Options) *Mock {
	tb.Helper()
	m, err := New(opts)
	if err != nil {
		tb.Fatalf("mocktest: %v", err)
	}
	tb.Cleanup(m.Close)
	return m
}

// The contract and the embedded fixtures are made once for every mock of a test binary (and the
// contract's whole document, which answers' checks parse on first use, parsed once): a mock
// reads them and changes neither.
var (
	sharedSpec     = sync.OnceValue(func() *spec.Spec { return spec.Load(context.Background()) })
	sharedFixtures = sync.OnceValues(fixtures.Default)
)

// New starts a mock outside a test (an example, a TestMain); Close stops it.
func New(opts Options) (*Mock, error) {
	sp := sharedSpec()
	fx := opts.Fixtures
	if fx == nil {
		var err error
		if fx, err = sharedFixtures(); err != nil {
			return nil, err
		}
	}
	srv, err := mock.New(sp, fx, opts.Config)
	if err != nil {
		return nil, err
	}
	h := httptest.NewServer(srv)
	return &Mock{URL: h.URL, Server: srv, http: h}, nil
}

// Store holds the sets the mock has.
func (m *Mock) Store() *topo.Store { return m.Server.Store() }

// Journal holds the requests the mock answered.
func (m *Mock) Journal() *mock.Journal { return m.Server.Journal() }

// Faults are the mock's fault rules.
func (m *Mock) Faults() *mock.Faults { return m.Server.Faults() }

// Close stops the mock and waits for the requests in flight; the journal streams of open pages
// end first.
func (m *Mock) Close() {
	m.Server.Close()
	m.http.Close()
}
