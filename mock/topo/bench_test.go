package topo_test

import (
	"fmt"
	"testing"

	"github.com/cmdbmock/cmdbmock/mock/topo"
)

// BenchmarkDeleteAmongModules creates and deletes a set with its modules in a store that holds
// 100,000 sets of six modules each: a delete's cost must not grow with the modules stored.
func BenchmarkDeleteAmongModules(b *testing.B) {
	s := newStore(200_000)
	six := make([]topo.ModuleTemplate, 6)
	for i := range six {
		six[i] = topo.ModuleTemplate{ServiceTemplateID: int64(i + 1), Name: fmt.Sprint("m", i)}
	}
	for i := range 100_000 {
		if _, err := s.Create(draft(1, 1, fmt.Sprint("s", i)), six); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		set, err := s.Create(draft(1, 1, fmt.Sprint("churn-", i)), six)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Delete(1, set.ID()); err != nil {
			b.Fatal(err)
		}
	}
}
