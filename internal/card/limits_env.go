package card

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxFileSizeEnv is the environment variable that sets Limits.MaxFileSize
// for every interface that imports cards (the MCP server's tools and
// console, charsimctl, the Discord bot's attachment check), so that they
// agree on one limit.
const MaxFileSizeEnv = "CARD_MAX_FILE_SIZE"

// LimitsFromEnv returns DefaultLimits with MaxFileSize set from
// CARD_MAX_FILE_SIZE, read through lookup (os.LookupEnv in production):
// a number of bytes, or one with the suffix KiB, MiB or GiB ("50MiB").
// Unset or empty keeps the default of 20 MiB. The other limits stay at
// their defaults: they bound one chunk or entry, not the file.
func LimitsFromEnv(lookup func(string) (string, bool)) (Limits, error) {
	lim := DefaultLimits()
	raw, _ := lookup(MaxFileSizeEnv)
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return lim, nil
	}
	n, err := parseSize(raw)
	if err != nil {
		return Limits{}, fmt.Errorf("%s: %w", MaxFileSizeEnv, err)
	}
	lim.MaxFileSize = n
	return lim, nil
}

// parseSize reads a positive size in bytes, with an optional binary unit.
func parseSize(raw string) (int64, error) {
	units := []struct {
		suffix string
		factor int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	number, factor := raw, int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(raw, u.suffix); ok {
			number, factor = strings.TrimSpace(rest), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(number, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("must be a positive number of bytes, optionally with KiB, MiB or GiB (e.g. 20MiB), got %q", raw)
	}
	if n > (1<<40)/factor {
		return 0, fmt.Errorf("%q is more than 1 TiB", raw)
	}
	return n * factor, nil
}
