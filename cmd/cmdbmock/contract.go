package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/cmdbmock/cmdbmock/contracttest"
	"github.com/cmdbmock/cmdbmock/spec"
)

// errNotConformant ends a contract run that found violations: exit code 1.
var errNotConformant = errors.New("the target does not keep the contract")

// contract runs the contract suite against a deployment and writes its report.
func contract(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := env(getenv)
	var (
		target                  targetFlags
		format, out             string
		lang, version           string
		bizID, parent, parent2  int64
		iam, quiet              bool
		setFields, moduleFields map[string]any
	)
	cfg := &target.cfg
	fs := flag.NewFlagSet("cmdbmock contract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addTargetFlags(fs, e, &target, contracttest.DefaultRPS, true)
	fs.Int64Var(&bizID, "biz-id", 0, "the business the run creates and deletes its sets in; required")
	fs.Int64Var(&parent, "parent-id", 0, "the node new sets hang under (default: the business, or the first node of the custom level above sets)")
	fs.Int64Var(&parent2, "other-parent-id", 0, "a second parent for the duplicate-name case (default: --parent-id + 1, or the second node of the custom level above sets)")
	fs.StringVar(&cfg.DeniedUser, "denied-user", "", "a user without permission on the business, to check 9900403")
	fs.StringVar(&lang, "lang", "en", "language asked for: en or zh")
	fs.StringVar(&version, "cmdb-version", string(spec.V313), "release whose messages are expected: 3.12, 3.13 or 3.14")
	iam = true
	fs.Var(onOff{&iam}, "iam", "on: the deployment runs IAM (a bad business id in a v3 path is 1199045); off expects 1199009 (true and false too)")
	fs.StringVar(&format, "format", "text", "report format: text, json or junit")
	fs.StringVar(&out, "out", "", "write the report to this file instead of standard output")
	fs.BoolVar(&quiet, "quiet", false, "no progress on standard error while the run goes (a text report to standard output is its own progress)")
	fs.BoolVar(&cfg.NoCleanup, "no-cleanup", false, "leave the created sets in place")
	fs.BoolVar(&cfg.DryRun, "dry-run", false, "print the requests it would send, send none")
	fs.BoolVar(&cfg.Lenient, "lenient", false, "compare codes only, not messages")
	addFieldFlags(fs, &setFields, &moduleFields)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if bizID <= 0 {
		return errors.New("--biz-id is required: the run creates and deletes sets in that business")
	}
	switch lang {
	case "en":
		cfg.Lang = spec.English
	case "zh":
		cfg.Lang = spec.Chinese
	default:
		return fmt.Errorf("--lang %q: want en or zh", lang)
	}
	write, ok := map[string]func(contracttest.Reports, io.Writer) error{
		"text":  contracttest.Reports.WriteText,
		"json":  contracttest.Reports.WriteJSON,
		"junit": contracttest.Reports.WriteJUnit,
	}[format]
	if !ok {
		return fmt.Errorf("--format %q: want text, json or junit", format)
	}
	surfaces := target.surfaces()
	target.surface = string(surfaces[0])
	file, err := openReport(out)
	if err != nil {
		return err
	}
	defer file.discard()
	check, err := target.config(ctx, stderr)
	if err != nil {
		return err
	}
	check.BizID, check.ParentID, check.OtherParentID = bizID, parent, parent2
	check.Version, check.IAMOff = spec.Version(version), !iam
	check.SetFields, check.ModuleFields = setFields, moduleFields
	// Each case is shown as it ends: a text report to standard output is written that way; any
	// other report is written at the end, and the run shows its progress on standard error.
	streamed := format == "text" && out == ""
	switch {
	case streamed:
		check.Progress = stdout
	case !quiet:
		check.Progress = stderr
	}
	// With --surface both, a run on each surface in turn, each with its own run id and cleanup.
	var reports contracttest.Reports
	for _, surface := range surfaces {
		check.Surface = surface
		report, err := contracttest.Run(ctx, check)
		if err != nil {
			return err
		}
		reports = append(reports, report)
		if ctx.Err() != nil {
			break
		}
	}
	if !streamed {
		var buf bytes.Buffer
		if err := write(reports, &buf); err != nil {
			return err
		}
		if out == "" {
			_, err = stdout.Write(buf.Bytes())
		} else if err = file.write(buf.Bytes()); err == nil {
			for _, report := range reports {
				pass, fail, skip := report.Counts()
				unchecked := ""
				if n := len(report.Unchecked); n > 0 {
					unchecked = fmt.Sprintf(", %d unchecked by the cleanup", n)
				}
				name := "contract"
				if len(reports) > 1 {
					name += " (" + string(report.Surface) + ")"
				}
				fmt.Fprintf(stderr, "%s: %d passed, %d failed, %d skipped, %d left behind%s; report in %s\n",
					name, pass, fail, skip, len(report.Leftovers), unchecked, out)
			}
		}
		if err != nil {
			return err
		}
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted; the sets created so far were cleaned up: %w", ctx.Err())
	case !reports.Conformant():
		return errNotConformant
	}
	return nil
}

// httpClient is the contract command's client: a timeout per request, and the TLS the flags ask
// for.
func httpClient(timeout time.Duration, caFile string, insecure bool, stderr io.Writer) (*http.Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s holds no PEM certificate", caFile)
		}
		tlsConfig.RootCAs = pool
	}
	if insecure {
		fmt.Fprintln(stderr, "warning: --insecure: the target's TLS certificate is not checked; anyone between here and the target can read the credentials")
		tlsConfig.InsecureSkipVerify = true // #nosec G402 -- asked for explicitly, with a warning
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConfig
	return &http.Client{Timeout: timeout, Transport: transport}, nil
}

// addFieldFlags adds --set-field and --module-field, the values of required custom attributes
// a command's creates carry.
func addFieldFlags(fs *flag.FlagSet, setFields, moduleFields *map[string]any) {
	fs.Var(fieldsFlag{setFields}, "set-field", "key=value: a value of a custom attribute the deployment's set model requires, on every set the run creates (repeatable; the value read as JSON when it is JSON); the run makes one for each other it can")
	fs.Var(fieldsFlag{moduleFields}, "module-field", "key=value: the same for the module model")
}

// fieldsFlag gathers the fields of --set-field or --module-field, each key=value, the value read
// as JSON when it is JSON (3, ["sz"], true, "007"), else as the string it is.
type fieldsFlag struct{ into *map[string]any }

func (f fieldsFlag) String() string { return "" }

func (f fieldsFlag) Set(v string) error {
	key, value, ok := strings.Cut(v, "=")
	if !ok || key == "" {
		return fmt.Errorf("%q: want key=value", v)
	}
	if *f.into == nil {
		*f.into = map[string]any{}
	}
	var parsed any = value
	if json.Valid([]byte(value)) {
		dec := json.NewDecoder(strings.NewReader(value))
		dec.UseNumber()
		if err := dec.Decode(&parsed); err != nil {
			return fmt.Errorf("%q: %w", v, err)
		}
	}
	(*f.into)[key] = parsed
	return nil
}
