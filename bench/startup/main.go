// Command startup measures how long cmdbmock takes from exec to its first healthy answer, and,
// with -baseline, how long the bare Echo server of bench/baseline takes by the same loop, the
// two started in turns.
//
//	go run ./bench/startup [-runs 15] [-baseline /path/to/baseline] /path/to/cmdbmock [flags...]
//
// Each start is on 127.0.0.1:0, cmdbmock with its default flags and those given. It prints the
// median and the slowest start of each in ms, and the ratio of the medians.
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
	runs := flag.Int("runs", 15, "how many starts to time, of each binary")
	baseline := flag.String("baseline", "", "the bare Echo binary of bench/baseline, timed in turns by the same loop")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: startup [-runs N] [-baseline BINARY] CMDBMOCK [FLAGS...]")
		os.Exit(2)
	}
	var mock, base []time.Duration
	for range *runs {
		d, err := once(flag.Arg(0), flag.Args()[1:])
		if err != nil {
			fmt.Fprintln(os.Stderr, "startup:", err)
			os.Exit(1)
		}
		mock = append(mock, d)
		if *baseline != "" {
			d, err := once(*baseline, nil)
			if err != nil {
				fmt.Fprintln(os.Stderr, "startup: baseline:", err)
				os.Exit(1)
			}
			base = append(base, d)
		}
	}
	median, slowest := summary(mock)
	line := fmt.Sprintf("STARTUP median_ms=%.1f max_ms=%.1f runs=%d", ms(median), ms(slowest), len(mock))
	if len(base) > 0 {
		bm, bs := summary(base)
		line += fmt.Sprintf(" baseline_median_ms=%.1f baseline_max_ms=%.1f ratio=%.1f", ms(bm), ms(bs), float64(median)/float64(bm))
	}
	fmt.Println(line)
}

func summary(ds []time.Duration) (median, slowest time.Duration) {
	slices.Sort(ds)
	return ds[len(ds)/2], ds[len(ds)-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// once starts bin on a free loopback port and returns the time until it answers /healthz.
func once(bin string, args []string) (time.Duration, error) {
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
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
