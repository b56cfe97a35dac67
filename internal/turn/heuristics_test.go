package turn

import (
	"reflect"
	"testing"
)

func TestSalientFacts(t *testing.T) {
	for _, tc := range []struct {
		message string
		want    []Fact
	}{
		{"Hi! How are you?", nil},
		{"My sister Mia is a pilot.", []Fact{{`Sam said: "My sister Mia is a pilot."`, KindSemantic, 5}}},
		{"Please remember that I hate spiders.", []Fact{{`Sam said: "Please remember that I hate spiders."`, KindSemantic, 8}}},
		{"Call me Sammy! I promise to come back tomorrow. Do you like cats?", []Fact{
			{`Sam said: "Call me Sammy!"`, KindSemantic, 7},
			{`Sam said: "I promise to come back tomorrow."`, KindEpisodic, 7},
		}},
		{"I love jazz. I live in Lyon. I work at a bakery. I have two dogs.", []Fact{
			{`Sam said: "I love jazz."`, KindSemantic, 6},
			{`Sam said: "I live in Lyon."`, KindSemantic, 5},
			{`Sam said: "I work at a bakery."`, KindSemantic, 5},
		}},
		{"Is my name is weird?", nil}, // a question
		{"I am.", nil},                // too short to say anything
	} {
		if got := salientFacts("Sam", tc.message); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("salientFacts(%q) =\n %+v\nwant\n %+v", tc.message, got, tc.want)
		}
	}
}

func TestShiftFrom(t *testing.T) {
	for _, tc := range []struct {
		message string
		want    Shift
	}{
		{"What a nice day.", Shift{}},
		{"Thank you so much!", Shift{0.05, 0, `Sam was kind ("thank you")`}},
		{"Thanks, you're the best. Sorry for earlier.", Shift{0.15, 0.05, `Sam was kind ("thanks", "you're the best", "sorry")`}},
		{"Shut up, you idiot.", Shift{-0.2, 0, `Sam was hostile ("shut up", "idiot")`}},
		{"You lied to me, liar.", Shift{-0.2, -0.2, `Sam was hostile ("you lied", "liar")`}},
		{"Thanks... but you're annoying.", Shift{-0.05, 0, `Sam was kind ("thanks") and was hostile ("annoying")`}},
		{"THANK YOU THANK YOU thank you", Shift{0.05, 0, `Sam was kind ("thank you")`}}, // repeats count once
	} {
		if got := shiftFrom("Sam", tc.message); got != tc.want {
			t.Errorf("shiftFrom(%q) = %+v, want %+v", tc.message, got, tc.want)
		}
	}
}

func TestStoryEvents(t *testing.T) {
	got := storyEvents("Aria", "Sam", "*waves* Hello! *sits down* *third action ignored*", true, Shift{Affinity: 0.1, Reason: "Sam was kind"})
	want := []StoryEvent{
		{EventUserJoin, "Sam meets Aria for the first time.", 2},
		{EventUserAction, "Sam: *waves*", 3},
		{EventUserAction, "Sam: *sits down*", 3},
		{EventRelationshipChange, "Aria grows fonder of Sam: Sam was kind.", 4},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("storyEvents =\n %+v\nwant\n %+v", got, want)
	}
	if got := storyEvents("Aria", "Sam", "just talking", false, Shift{Affinity: 0.05}); got != nil {
		t.Errorf("plain talk made events: %+v", got)
	}
	got = storyEvents("Aria", "Sam", "idiot", false, Shift{Affinity: -0.1, Reason: "Sam was hostile"})
	if len(got) != 1 || got[0].Description != "Aria cools toward Sam: Sam was hostile." {
		t.Errorf("hostility: %+v", got)
	}
}

func TestCleanReply(t *testing.T) {
	for raw, want := range map[string]string{
		"Hello.":                          "Hello.",
		"Aria: Hello.":                    "Hello.",
		"**Aria:** Hello.":                "Hello.",
		"<think>plan\nsteps</think>\nHi!": "Hi!",
		"  <think>x</think>Aria: Yo  ":    "Yo",
		"Ariana: not me":                  "Ariana: not me",
	} {
		if got := cleanReply("Aria", raw); got != want {
			t.Errorf("cleanReply(%q) = %q, want %q", raw, got, want)
		}
	}
}
