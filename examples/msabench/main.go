package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"
)

// options is the parsed command line.
type options struct {
	targets  []string // "msa", "msa-message", "postfix"
	rounds   int
	mode     string // "plain" or "auth"
	sessions []int
	messages int
	size     int
	msaArgs  []string
	timeout  time.Duration
	msaBin   string // examples/msa, built once per run of msabench
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "msabench:", err)
		}
		os.Exit(2)
	}
}

// run parses args, then measures one fresh server per target, session count
// and round, interleaving the targets so that they share the machine's load
// as evenly as it allows, and prints a row per run and a summary.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	// Every run's files stay until the end: removing thousands of files
	// makes ext4 scan past their inodes, "recently deleted", whenever the
	// next run creates one, which charged whichever server ran next with
	// up to a quarter of its CPU time.
	top, err := os.MkdirTemp("", "msabench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(top)
	// Postfix's processes, which run as the postfix user, must reach their
	// instance's directory under top.
	if err := os.Chmod(top, 0o755); err != nil {
		return err
	}
	if slices.ContainsFunc(o.targets, func(t string) bool { return strings.HasPrefix(t, "msa") }) {
		if o.msaBin, err = buildMSA(ctx, top); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "# mode=%s messages=%d size=%d rounds=%d msa-args=%q\n", o.mode, o.messages, o.size, o.rounds, strings.Join(o.msaArgs, " "))
	fmt.Fprintf(stdout, "%-8s %-6s %8s %5s %8s %10s %14s %12s\n", "target", "mode", "sessions", "round", "msgs", "msgs/s", "cpu-s/1000msg", "peak-rss-MiB")
	rates := map[string][]float64{} // target/sessions -> msgs/s per round
	cpus := map[string][]float64{}
	for round := 1; round <= o.rounds; round++ {
		for _, n := range o.sessions {
			for _, target := range o.targets {
				r, err := measure(ctx, o, top, target, n)
				if err != nil {
					return fmt.Errorf("%s, %d sessions: %w", target, n, err)
				}
				rate := float64(r.messages) / r.elapsed.Seconds()
				cpu := r.cpu.Seconds() * 1000 / float64(r.messages)
				key := fmt.Sprintf("%s/%d", target, n)
				rates[key] = append(rates[key], rate)
				cpus[key] = append(cpus[key], cpu)
				fmt.Fprintf(stdout, "%-8s %-6s %8d %5d %8d %10.0f %14.3f %12.1f\n", target, o.mode, n, round, r.messages,
					rate, cpu, float64(r.peakRSS)/(1<<20))
			}
		}
	}
	a := o.targets[0]
	for _, b := range o.targets[1:] {
		fmt.Fprintf(stdout, "\n# %s/%s, paired by round: min median max\n", a, b)
		for _, n := range o.sessions {
			ka, kb := fmt.Sprintf("%s/%d", a, n), fmt.Sprintf("%s/%d", b, n)
			fmt.Fprintf(stdout, "sessions=%-3d msgs/s ratio %s   cpu-per-msg ratio %s\n", n,
				spread(ratios(rates[ka], rates[kb])), spread(ratios(cpus[ka], cpus[kb])))
		}
	}
	return nil
}

// ratios returns a[i]/b[i].
func ratios(a, b []float64) []float64 {
	r := make([]float64, len(a))
	for i := range a {
		r[i] = a[i] / b[i]
	}
	return r
}

// spread formats the minimum, median and maximum of v.
func spread(v []float64) string {
	s := slices.Clone(v)
	slices.Sort(s)
	return fmt.Sprintf("%.2f %.2f %.2f", s[0], s[len(s)/2], s[len(s)-1])
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("msabench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	targets := fs.String("target", "msa", "comma-separated `LIST` of servers to measure: msa (examples/msa, its spool committing in groups), msa-message (examples/msa with -spool-sync message: each message made durable on its own), postfix (a private Postfix instance); the first is compared with each other one")
	fs.IntVar(&o.rounds, "rounds", 1, "measure every target and session count `N` times, interleaved")
	fs.StringVar(&o.mode, "mode", "plain", "`plain` (trusted loopback, no TLS) or auth (STARTTLS + AUTH PLAIN, msa only)")
	sessions := fs.String("sessions", "1,16,64", "comma-separated `LIST` of concurrent session counts, one run each")
	fs.IntVar(&o.messages, "messages", 2000, "messages per run, `N`")
	fs.IntVar(&o.size, "size", 1024, "message size in `BYTES`")
	msaArgs := fs.String("msa-args", "", "extra `ARGS` for examples/msa, space-separated (e.g. \"-max-size 1000000\")")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up a run after `DURATION`")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, t := range strings.Split(*targets, ",") {
		switch {
		case !slices.Contains([]string{"msa", "msa-message", "postfix"}, t):
			return nil, fmt.Errorf("-target %q: want msa, msa-message or postfix, comma-separated", *targets)
		case slices.Contains(o.targets, t):
			return nil, fmt.Errorf("-target %q names %s twice", *targets, t)
		}
		o.targets = append(o.targets, t)
	}
	if o.rounds < 1 {
		return nil, errors.New("-rounds must be at least 1")
	}
	switch o.mode {
	case "plain", "auth":
	default:
		return nil, fmt.Errorf("-mode %q: want plain or auth", o.mode)
	}
	if slices.Contains(o.targets, "postfix") && o.mode == "auth" {
		return nil, errors.New("-mode auth needs -target msa: the private Postfix instance has no SASL")
	}
	for _, s := range strings.Split(*sessions, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-sessions %q: want positive integers", *sessions)
		}
		o.sessions = append(o.sessions, n)
	}
	if o.messages < 1 || o.size < 200 {
		return nil, errors.New("-messages must be at least 1 and -size at least 200")
	}
	o.msaArgs = strings.Fields(*msaArgs)
	return o, nil
}

// result is one run's measurement.
type result struct {
	messages int
	elapsed  time.Duration
	cpu      time.Duration // server user+system time during the run
	peakRSS  int64         // bytes
}

// measure starts a fresh server in a new directory under top, drives it
// with n sessions until o.messages were accepted, and stops it.
func measure(ctx context.Context, o *options, top, target string, n int) (result, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	dir, err := os.MkdirTemp(top, target+"-")
	if err != nil {
		return result{}, err
	}
	var srv server
	switch target {
	case "msa":
		srv, err = startMSA(ctx, o.msaBin, dir, o.mode == "plain", o.msaArgs)
	case "msa-message":
		srv, err = startMSA(ctx, o.msaBin, dir, o.mode == "plain", append([]string{"-spool-sync", "message"}, o.msaArgs...))
	default:
		srv, err = startPostfix(ctx, dir)
	}
	if err != nil {
		return result{}, err
	}
	defer srv.stop()

	// A short warm-up, so that both servers have started their processes and
	// filled their caches before the clock runs.
	warm := &driver{addr: srv.addr(), auth: o.mode == "auth", size: o.size}
	if err := warm.run(ctx, min(n, 4), min(o.messages/10+1, 50)); err != nil {
		return result{}, fmt.Errorf("warm-up: %w", err)
	}
	before, err := cpuTime(srv.pid())
	if err != nil {
		return result{}, err
	}
	d := &driver{addr: srv.addr(), auth: o.mode == "auth", size: o.size}
	start := time.Now()
	if err := d.run(ctx, n, o.messages); err != nil {
		return result{}, err
	}
	elapsed := time.Since(start)
	after, err := cpuTime(srv.pid())
	if err != nil {
		return result{}, err
	}
	rss, err := peakRSS(srv.pid())
	if err != nil {
		return result{}, err
	}
	return result{messages: o.messages, elapsed: elapsed, cpu: after - before, peakRSS: rss}, nil
}

// server is a running server under measurement.
type server interface {
	addr() string // host:port of its SMTP listener
	pid() int     // the root of its process tree
	stop() error
}
