package card

import "strings"

// Decorator is a V3 lorebook decorator: a line "@@name value" at the start
// of an entry's content. Lines "@@@name value" right after it are its
// fallbacks, to use in order when the decorator is not recognised.
type Decorator struct {
	Name      string // without the @@, e.g. "depth"
	Value     string // the rest of the line, trimmed; "" when it has none
	Fallbacks []Decorator
}

// Values splits Value at commas, trimming each.
func (d Decorator) Values() []string {
	if d.Value == "" {
		return nil
	}
	parts := strings.Split(d.Value, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// ParseDecorators splits content into its leading decorators and the text
// that follows, with the newlines around the decorators trimmed. Content
// without decorators comes back unchanged. The stored content is never
// changed by the codec; this is for whoever builds a prompt.
func ParseDecorators(content string) (decs []Decorator, body string) {
	rest := content
	for {
		trimmed := strings.TrimLeft(rest, "\r\n")
		if !strings.HasPrefix(trimmed, "@@") {
			break
		}
		line, after, _ := strings.Cut(trimmed, "\n")
		line = strings.TrimRight(line, "\r")
		rest = after
		fallback := strings.HasPrefix(line, "@@@")
		name, value, _ := strings.Cut(strings.TrimLeft(line, "@"), " ")
		d := Decorator{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)}
		if fallback && len(decs) > 0 {
			last := &decs[len(decs)-1]
			last.Fallbacks = append(last.Fallbacks, d)
			continue
		}
		decs = append(decs, d)
	}
	if decs == nil {
		return nil, content
	}
	return decs, strings.TrimLeft(rest, "\r\n")
}
