package detect

import (
	"math"
	"time"
)

const dayNS = int64(24 * time.Hour)

// daily learns a key's bytes per UTC day (days counted from the flows'
// times) and says when today is out of line with the days before it.
type daily struct {
	day     int64 // current day number; valid when started
	cur     uint64
	hist    [maxLearnDays]uint64 // ring of completed days' totals
	n, pos  int                  // completed days held, next ring slot
	started bool
	alerted bool // today's total has been reported
}

// reset forgets everything, for a reused slot.
func (d *daily) reset() { *d = daily{} }

// add counts b bytes at time t, closing the days that ended before it
// (days without traffic count as zero). A late flow from an earlier day
// counts towards today: close enough, and keeps the history append-only.
func (d *daily) add(t int64, b uint64, keep int) {
	day := floorDiv(t, dayNS)
	if !d.started {
		d.started, d.day = true, day
	}
	if day > d.day {
		d.push(d.cur, keep)
		for range min(day-d.day-1, int64(keep)) { // days without traffic
			d.push(0, keep)
		}
		d.day, d.cur, d.alerted = day, 0, false
	}
	d.cur += b
}

func (d *daily) push(v uint64, keep int) {
	d.hist[d.pos] = v
	d.pos = (d.pos + 1) % keep
	if d.n < keep {
		d.n++
	}
}

// over reports whether today's total exceeds mean+sigma·σ of the learned
// days and minBytes, once learning is complete, and returns the limit.
func (d *daily) over(c BaselineConfig) (bool, float64) {
	if d.n < c.LearnDays {
		return false, 0
	}
	var sum, sq float64
	for _, v := range d.hist[:d.n] {
		sum += float64(v)
	}
	mean := sum / float64(d.n)
	for _, v := range d.hist[:d.n] {
		sq += (float64(v) - mean) * (float64(v) - mean)
	}
	limit := mean + c.Sigma*math.Sqrt(sq/float64(d.n))
	return float64(d.cur) > limit && d.cur >= c.MinBytes, limit
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
