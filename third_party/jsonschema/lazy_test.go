package jsonschema

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// TestFirstCompilesAtOnce compiles, from many goroutines at once, the first schemas a process
// compiles: every one of them waits for the meta-schemas, which are compiled once, and is
// checked against them (an invalid schema is refused, a valid one compiled). It runs in a
// process of its own, so that its compiles are the process's first.
func TestFirstCompilesAtOnce(t *testing.T) {
	if os.Getenv("JSONSCHEMA_FIRST_COMPILES") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFirstCompilesAtOnce$", "-test.count=1")
		cmd.Env = append(os.Environ(), "JSONSCHEMA_FIRST_COMPILES=1")
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "PASS") {
			t.Fatalf("the process of its own: %v\n%s", err, out)
		}
		return
	}
	if Draft2020.sch != nil || Draft4.sch != nil {
		t.Fatal("the meta-schemas were compiled before the first Compile")
	}
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := NewCompiler()
			if err := c.AddResource("valid.json", map[string]any{"type": "string"}); err != nil {
				errs[i] = err
				return
			}
			if err := c.AddResource("invalid.json", map[string]any{"type": 5.0}); err != nil {
				errs[i] = err
				return
			}
			sch, err := c.Compile("valid.json")
			if err != nil {
				errs[i] = err
				return
			}
			if err := sch.Validate("text"); err != nil {
				errs[i] = err
				return
			}
			if _, err := c.Compile("invalid.json"); err == nil {
				t.Errorf("goroutine %d: a schema whose type is 5 compiled", i)
			}
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	for _, d := range []*Draft{Draft4, Draft6, Draft7, Draft2019, Draft2020} {
		if d.sch == nil {
			t.Errorf("%s: no meta-schema after the first Compile", d)
		}
	}
}
