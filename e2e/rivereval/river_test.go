package rivereval

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/pushdeck/pushdeck/models"
)

// batchArgs is frozen batches as one River job: the batch rows and their
// recipients stay in pushdeck's tables (pages of pending deliveries and
// cancelling read them there); the job only names them. One batch a job is
// the natural port; several a job buys River the engine's group commit at
// the price of claiming (and pacing) them together.
type batchArgs struct {
	BatchIDs []int64 `json:"batch_ids"`
}

func (batchArgs) Kind() string { return "pushdeck_batch" }

// riverSettings are the client settings every River run uses. River's
// defaults (a fetch at most every 100 ms, a poll every second) cap a queue
// at its workers ten times a second; the runs use River's minimum cooldown
// so the figure is River's best, not its defaults'.
type riverSettings struct {
	workers int
	// group is the batches a job carries.
	group int
	// byCompleter leaves the job's completion to River's completer, after
	// the outcome's commit, instead of JobCompleteTx inside it. A job then
	// may run again after a crash; the batch's state (pending until its
	// outcome commits) makes that rerun record nothing, so exactly-once
	// holds through pushdeck's tables instead of River's.
	byCompleter bool
	pollOnly    bool
}

// name labels a run's settings.
func (s riverSettings) name() string {
	how := "tx"
	if s.byCompleter {
		how = "completer"
	}
	return fmt.Sprintf("river/batches_per_job=%d/workers=%d/complete=%s", s.group, s.workers, how)
}

// variants are the River settings each store runs: the natural port at
// two worker counts, the job completed by River's completer, and jobs as
// large as the engine's recording groups.
func variants(pollOnly bool) []riverSettings {
	return []riverSettings{{workers: 4, group: 1, pollOnly: pollOnly}, {workers: 32, group: 1, pollOnly: pollOnly},
		{workers: 4, group: 1, byCompleter: true, pollOnly: pollOnly}, {workers: 4, group: recordGroup, pollOnly: pollOnly}}
}

// groups cuts ids into jobs of up to n batches.
func groups(ids []int64, n int) [][]int64 {
	var out [][]int64
	for i := 0; i < len(ids); i += n {
		out = append(out, ids[i:min(i+n, len(ids))])
	}
	return out
}

func riverConfig(w river.Worker[batchArgs], s riverSettings, log *slog.Logger) *river.Config {
	ws := river.NewWorkers()
	river.AddWorker(ws, w)
	return &river.Config{
		Logger:            log,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: s.workers}},
		Workers:           ws,
		FetchCooldown:     time.Millisecond,
		FetchPollInterval: 5 * time.Millisecond,
		PollOnly:          s.pollOnly,
	}
}

// migrateRiver creates River's tables beside pushdeck's.
func migrateRiver[TTx any](ctx context.Context, drv riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: quietLog()})
	if err != nil {
		return fmt.Errorf("rivereval: river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("rivereval: river migrations: %w", err)
	}
	return nil
}

// riverTimes is one River run: inserting the jobs, then draining them.
type riverTimes struct {
	insert, insertCPU time.Duration
	drain, drainCPU   time.Duration
}

// runRiver inserts one job per group of batch ids with InsertMany, then
// starts the client and waits until every job has completed.
func runRiver[TTx any](ctx context.Context, drv riverdriver.Driver[TTx], cfg *river.Config, jobs [][]int64) (riverTimes, error) {
	var t riverTimes
	client, err := river.NewClient(drv, cfg)
	if err != nil {
		return t, fmt.Errorf("rivereval: river client: %w", err)
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, ids := range jobs {
		params[i] = river.InsertManyParams{Args: batchArgs{BatchIDs: ids}}
	}
	cpu0, start := cpuTime(), time.Now()
	const chunk = 1000 // jobs per InsertMany, as a planner's page would add them
	for i := 0; i < len(params); i += chunk {
		if _, err := client.InsertMany(ctx, params[i:min(i+chunk, len(params))]); err != nil {
			return t, fmt.Errorf("rivereval: insert jobs: %w", err)
		}
	}
	t.insert, t.insertCPU = time.Since(start), cpuTime()-cpu0
	events, cancel := client.SubscribeConfig(&river.SubscribeConfig{ChanSize: len(jobs) + 16,
		Kinds: []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed}})
	defer cancel()
	cpu0, start = cpuTime(), time.Now()
	if err := client.Start(ctx); err != nil {
		return t, fmt.Errorf("rivereval: start river: %w", err)
	}
	var runErr error
	timeout := time.After(10 * time.Minute)
	for done := 0; done < len(jobs) && runErr == nil; {
		select {
		case ev := <-events:
			if ev.Kind != river.EventKindJobCompleted {
				runErr = fmt.Errorf("rivereval: job %d: %s: %v", ev.Job.ID, ev.Kind, ev.Job.Errors)
			}
			done++
		case <-timeout:
			runErr = fmt.Errorf("rivereval: jobs not done after 10 minutes")
		}
	}
	t.drain, t.drainCPU = time.Since(start), cpuTime()-cpu0
	stopCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer stop()
	if err := client.Stop(stopCtx); err != nil && runErr == nil {
		runErr = fmt.Errorf("rivereval: stop river: %w", err)
	}
	return t, runErr
}

// drainRiver runs River over a campaign's n frozen batches, set.group a
// job, reports the drain's figures and the insert rate, and checks the
// campaign completed exactly once per recipient.
func drainRiver[TTx any](b *testing.B, store *models.Store, id int64, n int, drv riverdriver.Driver[TTx], cfg *river.Config, set riverSettings) {
	b.Helper()
	t, err := runRiver(context.Background(), drv, cfg, groups(batchIDs(b, store, id), set.group))
	if err != nil {
		b.Fatal(err)
	}
	report(b, n, t.drain, t.drainCPU)
	b.ReportMetric(float64(n)/t.insert.Seconds(), "insert_batches/s")
	checkDone(b, store, id, n)
}
