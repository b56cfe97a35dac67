package bot

import (
	"reflect"
	"testing"
)

func TestAddressed(t *testing.T) {
	aria := activeCharacter{ID: "a", Name: "Aria"}
	borin := activeCharacter{ID: "b", Name: "Borin Ironfoot", Nickname: "Bo"}
	cid := activeCharacter{ID: "c", Name: "Cid"}
	sc := scene{Cast: []activeCharacter{aria, borin, cid}}
	for _, tc := range []struct {
		text, replyTo string
		want          []activeCharacter
	}{
		{"hello there", "", []activeCharacter{aria}},
		{"ARIA, what do you think?", "", []activeCharacter{aria}},
		{"@Cid and @aria, come here", "", []activeCharacter{cid, aria}},
		{"borin ironfoot, and then Aria", "", []activeCharacter{borin, aria}},
		{"Bo! Cid!", "", []activeCharacter{borin, cid}},
		{"Ariadne and Boris and Cidre", "", []activeCharacter{aria}}, // no whole word: the lead
		{"what now?", "Cid", []activeCharacter{cid}},                 // a reply to Cid's message
		{"Aria, what now?", "Cid", []activeCharacter{aria}},          // naming wins over replying
		{"Aria aria ARIA", "", []activeCharacter{aria}},              // each once
	} {
		if got := addressed(tc.text, sc, tc.replyTo); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("addressed(%q, reply to %q) = %v, want %v", tc.text, tc.replyTo, got, tc.want)
		}
	}
}

func TestWebhookUsername(t *testing.T) {
	for in, want := range map[string]string{
		"Aria":        "Aria",
		"Discordia":   "D\u200biscordia",
		"old CLYDE":   "old C\u200bLYDE",
		"everyone":    "e\u200bveryone",
		"Here":        "H\u200bere",
		"Ĳssel clyde": "Ĳssel c\u200blyde",
	} {
		if got := webhookUsername(in); got != want {
			t.Errorf("webhookUsername(%q) = %q, want %q", in, got, want)
		}
	}
	if got := webhookUsername(string(make([]rune, 100))); utf16Len(got) > maxNameLength {
		t.Errorf("a 100-character name became %d long", utf16Len(got))
	}
}
