package memory

import (
	"slices"
	"testing"
	"time"
)

func TestNamedDays(t *testing.T) {
	now := time.Date(2026, time.March, 1, 9, 0, 0, 0, time.UTC)
	any := func(m time.Month, d int) namedDay { return namedDay{Month: m, Day: d} }
	cases := []struct {
		text string
		want []namedDay
	}{
		{"On May 2nd, I bought a dress, what's its color?", []namedDay{any(time.May, 2)}},
		{"What topics did we talk about on April 29th?", []namedDay{any(time.April, 29)}},
		{"the 3rd of Sept. and Dec 25", []namedDay{any(time.September, 3), any(time.December, 25)}},
		{"We met on 14 February 2024.", []namedDay{{2024, time.February, 14}}},
		{"Since May 2, 2023 nothing changed", []namedDay{{2023, time.May, 2}}},
		{"logged 2023-05-02 at noon", []namedDay{{2023, time.May, 2}}},
		{"我曾经在5月2日提到过我去了博物馆", []namedDay{any(time.May, 2)}},
		{"在4月27号这天，我在公园里跑了多久？", []namedDay{any(time.April, 27)}},
		{"２０２３年５月２日の天気", []namedDay{{2023, time.May, 2}}}, // full-width digits
		{"十二月二十五日和三月十日", []namedDay{any(time.December, 25), any(time.March, 10)}},
		{"What did we do yesterday?", []namedDay{{2026, time.February, 28}}},
		{"the day before yesterday it rained", []namedDay{{2026, time.February, 27}}},
		{"昨天和前天", []namedDay{{2026, time.February, 28}, {2026, time.February, 27}}},
		// Not days: "may" without a number, today (see dates.go), impossible dates,
		// a month alone, a bare number.
		{"You may ask twice in May", nil},
		{"I feel sad today, 今天", nil},
		{"February 30th and 13月1日 and 2023-13-01", nil},
		{"in May we sailed", nil},
		{"room 12", nil},
		// Leap day: any year allows it, a given year must have it.
		{"Feb 29", []namedDay{any(time.February, 29)}},
		{"29 February 2023", nil},
		// Repeats once, at most three.
		{"May 2nd, May 2nd, May 3rd, May 4th, May 5th", []namedDay{any(time.May, 2), any(time.May, 3), any(time.May, 4)}},
	}
	for _, tc := range cases {
		if got := namedDays(tc.text, now); !slices.Equal(got, tc.want) {
			t.Errorf("namedDays(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestNamedDaySpanAndMatch(t *testing.T) {
	now := time.Date(2026, time.March, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		day      namedDay
		from, to string
	}{
		{namedDay{Month: time.February, Day: 14}, "2026-02-14T00:00:00Z", "2026-02-14T23:59:59.999999Z"},
		{namedDay{Month: time.May, Day: 2}, "2025-05-02T00:00:00Z", "2025-05-02T23:59:59.999999Z"}, // not yet this year
		{namedDay{Month: time.February, Day: 29}, "2024-02-29T00:00:00Z", "2024-02-29T23:59:59.999999Z"},
		{namedDay{Year: 2023, Month: time.May, Day: 2}, "2023-05-02T00:00:00Z", "2023-05-02T23:59:59.999999Z"},
	}
	for _, tc := range cases {
		from, to := tc.day.span(now)
		if got := [2]string{from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano)}; got != [2]string{tc.from, tc.to} {
			t.Errorf("%v.span = %v, want %s..%s", tc.day, got, tc.from, tc.to)
		}
	}
	may2 := namedDay{Month: time.May, Day: 2}
	for at, want := range map[string]bool{
		"2019-05-02T23:59:59Z":      true,
		"2023-05-02T01:00:00+03:00": false, // 1 May, 22:00 UTC
		"2023-05-03T00:00:00Z":      false,
	} {
		ts, _ := time.Parse(time.RFC3339, at)
		if may2.matches(ts) != want {
			t.Errorf("May 2nd matches %s = %v, want %v", at, !want, want)
		}
	}
	if (namedDay{Year: 2023, Month: time.May, Day: 2}).matches(time.Date(2024, time.May, 2, 12, 0, 0, 0, time.UTC)) {
		t.Error("May 2nd 2023 matches 2024's")
	}
}
