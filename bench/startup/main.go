// Command startup measures how long cmdbmock takes from exec to its first healthy answer.
//
//	go run ./bench/startup [-runs 5] /path/to/cmdbmock [flags...]
//
// It starts the binary on 127.0.0.1:0 each run and prints the median and the slowest run in ms.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

func main() {
	runs := flag.Int("runs", 5, "how many starts to time")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: startup [-runs N] BINARY [FLAGS...]")
		os.Exit(2)
	}
	var times []time.Duration
	for range *runs {
		d, err := once(flag.Arg(0), flag.Args()[1:])
		if err != nil {
			fmt.Fprintln(os.Stderr, "startup:", err)
			os.Exit(1)
		}
		times = append(times, d)
	}
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("STARTUP median_ms=%.1f max_ms=%.1f runs=%d\n", ms(times[len(times)/2]), ms(times[len(times)-1]), len(times))
}

func once(bin string, args []string) (time.Duration, error) {
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--log-level", "warn"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("no address printed: %w", err)
	}
	_, addr, ok := strings.Cut(strings.TrimSpace(line), "listening on ")
	if !ok {
		return 0, fmt.Errorf("unexpected first line %q", line)
	}
	client := &http.Client{Timeout: time.Second}
	for deadline := start.Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Microsecond) {
		resp, err := client.Get(addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
	}
	return 0, fmt.Errorf("not healthy within 10 s")
}
