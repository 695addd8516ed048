package main

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// series is one line of a chart panel.
type series struct {
	name  string
	color string
	dash  bool
	ys    []float64 // one per size
}

// svg draws two panels, plan time and API requests against the number of VMs, for this
// provider (near and far) and Terraform's floor.
func (r *results) svg() string {
	var sizes []int
	for _, x := range r.rows {
		if x.latency == 0 {
			sizes = append(sizes, x.n)
		}
	}
	pick := func(lat time.Duration, f func(row) float64) []float64 {
		ys := make([]float64, len(sizes))
		for i, n := range sizes {
			if x, ok := r.find(n, lat); ok {
				ys[i] = f(x)
			} else {
				ys[i] = math.NaN()
			}
		}
		return ys
	}
	planS := func(x row) float64 { return x.plan.Seconds() }
	far := fmt.Sprintf("orka, %s latency", r.latency)
	timeSeries := []series{
		{"orka, no latency", "#1f77b4", false, pick(0, planS)},
		{far, "#ff7f0e", false, pick(r.latency, planS)},
		{"terraform_data floor", "#555555", true, pick(0, func(x row) float64 { return x.floor.Seconds() })},
	}
	reqSeries := []series{
		{"orka, no latency", "#1f77b4", false, pick(0, func(x row) float64 { return float64(x.requests) })},
		{far, "#ff7f0e", false, pick(r.latency, func(x row) float64 { return float64(x.requests) })},
		{"terraform_data floor", "#555555", true, make([]float64, len(sizes))},
	}
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="820" height="330" viewBox="0 0 820 330" font-family="sans-serif" font-size="11">` + "\n")
	b.WriteString(`<rect width="820" height="330" fill="white"/>` + "\n")
	panel(&b, 60, "no-op plan wall time (s)", sizes, timeSeries)
	panel(&b, 470, "API requests per plan", sizes, reqSeries)
	for i, s := range timeSeries {
		x := 60 + i*200
		fmt.Fprintf(&b, `<line x1="%d" y1="318" x2="%d" y2="318" stroke="%s" stroke-width="2"%s/>`, x, x+24, s.color, dashAttr(s.dash))
		fmt.Fprintf(&b, `<text x="%d" y="322">%s</text>`+"\n", x+30, s.name)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// panel draws one 300×240 plot whose left edge is at x0.
func panel(b *strings.Builder, x0 int, title string, sizes []int, ss []series) {
	const w, h, top = 300.0, 240.0, 30.0
	ymax := 0.0
	for _, s := range ss {
		for _, y := range s.ys {
			if !math.IsNaN(y) {
				ymax = max(ymax, y)
			}
		}
	}
	ymax = niceCeil(ymax)
	xmax := float64(sizes[len(sizes)-1])
	px := func(n int) float64 { return float64(x0) + float64(n)/xmax*w }
	py := func(y float64) float64 { return top + h - y/ymax*h }
	fmt.Fprintf(b, `<text x="%d" y="18" font-size="13" font-weight="bold">%s</text>`+"\n", x0, title)
	fmt.Fprintf(b, `<line x1="%d" y1="%.0f" x2="%.0f" y2="%.0f" stroke="black"/>`, x0, top+h, float64(x0)+w, top+h)
	fmt.Fprintf(b, `<line x1="%d" y1="%.0f" x2="%d" y2="%.0f" stroke="black"/>`+"\n", x0, top, x0, top+h)
	for i := 0; i <= 4; i++ {
		y := ymax * float64(i) / 4
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#ddd"/>`, x0, py(y), float64(x0)+w, py(y))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-4, py(y)+4, trimFloat(y))
	}
	for _, n := range sizes {
		fmt.Fprintf(b, `<text x="%.1f" y="%.0f" text-anchor="middle">%d</text>`, px(n), top+h+14, n)
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" text-anchor="middle">VMs in one namespace</text>`+"\n", float64(x0)+w/2, top+h+28)
	for _, s := range ss {
		var pts []string
		for i, y := range s.ys {
			if !math.IsNaN(y) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(sizes[i]), py(y)))
			}
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", s.color, dashAttr(s.dash), strings.Join(pts, " "))
		for _, p := range pts {
			x, y, _ := strings.Cut(p, ",")
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`, x, y, s.color)
		}
		b.WriteString("\n")
	}
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

func dashAttr(dash bool) string {
	if dash {
		return ` stroke-dasharray="5,4"`
	}
	return ""
}
