package lore

import "testing"

func TestDecorators(t *testing.T) {
	tests := []struct {
		name    string
		content string
		text    string
		want    bool
		place   Placement
	}{
		{"no decorators", "body", "dragon", true, Placement{}},
		{"stripped from content", "@@depth 3\n@@role assistant\nbody", "dragon", true, Placement{Position: PositionAtDepth, Depth: 3, Role: RoleAssistant}},
		{"position beats depth", "@@position after_desc\n@@depth 3\nbody", "dragon", true, Placement{Position: PositionAfterChar}},
		{"activate without keys", "@@activate\nbody", "nothing here", true, Placement{}},
		{"dont_activate", "@@dont_activate\nbody", "dragon", false, Placement{}},
		{"activate beats dont_activate", "@@dont_activate\n@@activate\nbody", "nothing", true, Placement{}},
		{"additional keys required", "@@additional_keys fire, ice\nbody", "dragon", false, Placement{}},
		{"additional keys met", "@@additional_keys fire, ice\nbody", "ice dragon", true, Placement{}},
		{"exclude keys", "@@exclude_keys baby\nbody", "baby dragon", false, Placement{}},
		{"scan depth", "@@scan_depth 3\nbody", "", true, Placement{}},
		{"scan depth too short", "@@scan_depth 2\nbody", "", false, Placement{}},
		{"unknown decorator ignored, fallback used", "@@risu_thing 4\n@@@depth 2\nbody", "dragon", true, Placement{Position: PositionAtDepth, Depth: 2}},
		{"fallback skipped when the first is known", "@@depth 1\n@@@depth 2\nbody", "dragon", true, Placement{Position: PositionAtDepth, Depth: 1}},
		{"bad value falls back", "@@depth deep\n@@@position before_desc\nbody", "dragon", true, Placement{Position: PositionBeforeChar}},
		{"first of a name counts", "@@depth 1\n@@depth 5\nbody", "dragon", true, Placement{Position: PositionAtDepth, Depth: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := on("e", "dragon")
			e.Content = tt.content
			// "dragon" is three messages back: only @@scan_depth 3 reaches it
			// when tt.text is empty.
			history := msgs("dragon", "", tt.text)
			if tt.text != "" {
				history = msgs(tt.text)
			}
			r := Activate(Input{Messages: history, Books: []Book{book(e)}})
			if got := len(r.Activated) == 1; got != tt.want {
				t.Fatalf("activated = %v, want %v", got, tt.want)
			}
			if !tt.want {
				return
			}
			a := r.Activated[0]
			if a.Content != "body" {
				t.Errorf("content = %q", a.Content)
			}
			if a.Placement != tt.place {
				t.Errorf("placement = %+v, want %+v", a.Placement, tt.place)
			}
		})
	}
}

func TestDecoratorsOnlyAtTheTop(t *testing.T) {
	d, rest := parseDecorators("body\n@@depth 2")
	if d.depth != nil || rest != "body\n@@depth 2" {
		t.Errorf("parsed %+v, rest %q", d, rest)
	}
	_, rest = parseDecorators("\n@@activate\r\n\r\nbody")
	if rest != "body" {
		t.Errorf("rest = %q", rest)
	}
}
