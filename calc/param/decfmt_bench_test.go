package param

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkAppendCoefficient prints a result's kind of figures: amounts
// of up to eight digits with up to two decimals, money at two places,
// small factors; "word" is AppendCoefficient, "direct" the byte-at-a-time
// printer it falls back on (the one before stop 12).
func BenchmarkAppendCoefficient(b *testing.B) {
	type fig struct {
		c           int64
		exp, places int32
	}
	rng := rand.New(rand.NewPCG(1, 2))
	figs := make([]fig, 1024)
	for i := range figs {
		switch i % 4 {
		case 0:
			figs[i] = fig{rng.Int64N(1e7), -int32(rng.IntN(3)), -1}
		case 1, 2:
			figs[i] = fig{rng.Int64N(1e8), -2, 2}
		default:
			figs[i] = fig{rng.Int64N(100), -int32(rng.IntN(3)), -1}
		}
	}
	for _, p := range []struct {
		name string
		f    func([]byte, int64, int32, int32) []byte
	}{{"word", AppendCoefficient}, {"direct", appendCoefficientDirect}} {
		b.Run(p.name, func(b *testing.B) {
			buf := make([]byte, 0, 64<<10)
			for b.Loop() {
				buf = buf[:0]
				for _, x := range figs {
					buf = p.f(buf, x.c, x.exp, x.places)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(figs)), "ns/fig")
		})
	}
}
