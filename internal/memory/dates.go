package memory

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// A query that names a day ("On May 2nd, what did I buy?", "我在5月2日看了
// 什么？", "what did we do yesterday?") asks about what happened that day,
// and no word of the memory says so: the day is in its OccurredAt. So the
// days a query names are a third relevance signal, next to BM25 and the
// vectors (see Fusion.DateWeight). On MemoryBank a third of the questions
// name a day.
//
// What is understood, in English, Chinese and Japanese:
//   - a month and a day: "May 2nd", "2 May", "the 2nd of May", "May 2, 2023",
//     "5月2日", "5月2号", "五月二日", "2023年5月2日";
//   - ISO dates: "2023-05-02";
//   - yesterday and the day before: "yesterday", "the day before
//     yesterday", 昨天, 昨日, 前天, 一昨日. Not "today": chat says it all the
//     time ("I feel sad today") without asking about today, and today's
//     memories are the recent ones, which recency already favours.
//
// A date without a year matches that day of any year (a memory of last May
// 2nd is what "May 2nd" means when the year is not said). Days are UTC days,
// as OccurredAt is stored.

// namedDay is a calendar day a query names; Year 0 means any year.
type namedDay struct {
	Year  int
	Month time.Month
	Day   int
}

// matches reports whether t falls on the day (in UTC).
func (d namedDay) matches(t time.Time) bool {
	y, m, day := t.UTC().Date()
	return m == d.Month && day == d.Day && (d.Year == 0 || d.Year == y)
}

// span is the day as an inclusive range in the latest year it can mean
// that is not after now, the range whose memories become candidates.
func (d namedDay) span(now time.Time) (from, to time.Time) {
	year := d.Year
	if year == 0 {
		// The latest year that has the day (29 February) and is not after now.
		year = now.UTC().Year()
		for d.Day > daysIn(d.Month, year) || time.Date(year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).After(now) {
			year--
		}
	}
	from = time.Date(year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	return from, from.AddDate(0, 0, 1).Add(-time.Microsecond)
}

// maxNamedDays bounds the days one query can name, and so the extra
// candidate searches.
const maxNamedDays = 3

var months = map[string]time.Month{
	"january": time.January, "jan": time.January, "february": time.February, "feb": time.February,
	"march": time.March, "mar": time.March, "april": time.April, "apr": time.April, "may": time.May,
	"june": time.June, "jun": time.June, "july": time.July, "jul": time.July, "august": time.August,
	"aug": time.August, "september": time.September, "sep": time.September, "sept": time.September,
	"october": time.October, "oct": time.October, "november": time.November, "nov": time.November,
	"december": time.December, "dec": time.December,
}

const (
	monthName = `(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?`
	dayNumber = `(\d{1,2})(?:st|nd|rd|th)?`
	yearAfter = `(?:,?\s+(\d{4}))?`
	cjkNumber = `(\d{1,2}|[一二三四五六七八九十]{1,3})`
)

var (
	// "May 2nd", "May 2, 2023"
	monthDayPattern = regexp.MustCompile(`\b` + monthName + `\s+` + dayNumber + `\b` + yearAfter)
	// "2 May", "the 2nd of May 2023"
	dayMonthPattern = regexp.MustCompile(`\b` + dayNumber + `\s+(?:of\s+)?` + monthName + `\b` + yearAfter)
	isoPattern      = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	// "2023年5月2日", "5月2号", "五月二日"
	cjkPattern = regexp.MustCompile(`(?:(\d{4})年)?` + cjkNumber + `月` + cjkNumber + `[日号號]`)
	// The longest first, so "the day before yesterday" is not "yesterday".
	relativePattern = regexp.MustCompile(`\bthe day before yesterday\b|\byesterday\b|一昨日|前天|昨天|昨日`)
)

var relativeDays = map[string]int{
	"the day before yesterday": -2, "yesterday": -1,
	"一昨日": -2, "前天": -2, "昨天": -1, "昨日": -1,
}

// namedDays returns the days text names, at most maxNamedDays, in order of
// appearance, without repeats; now resolves yesterday.
func namedDays(text string, now time.Time) []namedDay {
	// NFKC turns full-width digits into ASCII ones.
	text = strings.ToLower(norm.NFKC.String(text))
	// Every form above has a digit, 月 or a relative word: most queries
	// have none of them and need no pattern run.
	if !strings.ContainsAny(text, "0123456789月昨前") && !strings.Contains(text, "yesterday") {
		return nil
	}
	type found struct {
		at  int
		day namedDay
	}
	var all []found
	add := func(at, year int, month time.Month, day int) {
		if month < time.January || month > time.December || day < 1 || day > daysIn(month, year) {
			return
		}
		all = append(all, found{at, namedDay{year, month, day}})
	}
	for _, m := range monthDayPattern.FindAllStringSubmatchIndex(text, -1) {
		add(m[0], atoi(text, m, 3), months[text[m[2]:m[3]]], atoi(text, m, 2))
	}
	for _, m := range dayMonthPattern.FindAllStringSubmatchIndex(text, -1) {
		add(m[0], atoi(text, m, 3), months[text[m[4]:m[5]]], atoi(text, m, 1))
	}
	for _, m := range isoPattern.FindAllStringSubmatchIndex(text, -1) {
		add(m[0], atoi(text, m, 1), time.Month(atoi(text, m, 2)), atoi(text, m, 3))
	}
	for _, m := range cjkPattern.FindAllStringSubmatchIndex(text, -1) {
		add(m[0], atoi(text, m, 1), time.Month(cjkAtoi(text, m, 2)), cjkAtoi(text, m, 3))
	}
	for _, m := range relativePattern.FindAllStringIndex(text, -1) {
		y, mo, d := now.UTC().AddDate(0, 0, relativeDays[text[m[0]:m[1]]]).Date()
		add(m[0], y, mo, d)
	}
	// The patterns run one after the other; order their finds by place.
	slices.SortStableFunc(all, func(a, b found) int { return cmp.Compare(a.at, b.at) })
	var out []namedDay
	for _, f := range all {
		if len(out) == maxNamedDays {
			break
		}
		if !slices.Contains(out, f.day) {
			out = append(out, f.day)
		}
	}
	return out
}

// daysIn is the length of month; with year 0 (any year), February has 29.
func daysIn(month time.Month, year int) int {
	if year == 0 {
		year = 2000 // a leap year
	}
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// atoi parses submatch i of m, 0 when it did not take part.
func atoi(text string, m []int, i int) int {
	if m[2*i] < 0 {
		return 0
	}
	n, _ := strconv.Atoi(text[m[2*i]:m[2*i+1]])
	return n
}

// cjkAtoi parses submatch i of m, in ASCII digits or Chinese numerals up
// to 三十一.
func cjkAtoi(text string, m []int, i int) int {
	s := text[m[2*i]:m[2*i+1]]
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	digit := func(r rune) int {
		if i := strings.IndexRune("一二三四五六七八九", r); i >= 0 {
			return i/len("一") + 1
		}
		return 0
	}
	runes := []rune(s)
	switch {
	case len(runes) == 1 && runes[0] == '十':
		return 10
	case len(runes) == 1:
		return digit(runes[0])
	case len(runes) == 2 && runes[0] == '十': // 十二
		return 10 + digit(runes[1])
	case len(runes) == 2 && runes[1] == '十': // 二十
		return 10 * digit(runes[0])
	case len(runes) == 3 && runes[1] == '十': // 二十三
		return 10*digit(runes[0]) + digit(runes[2])
	}
	return 0
}
