package main

import (
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRecallAt(t *testing.T) {
	ranked := [][]string{{"a"}, {"x"}, {"b", "c"}, {"y"}, {"z"}, {"d"}}
	for _, tc := range []struct {
		name     string
		evidence []string
		k        int
		want     float64
	}{
		{"first of one", []string{"a"}, 5, 1},
		{"none", []string{"q"}, 10, 0},
		{"half in top 5", []string{"a", "d"}, 5, 0.5},
		{"both in top 10", []string{"a", "d"}, 10, 1},
		{"a memory standing for two ids counts both", []string{"b", "c", "q"}, 3, 2.0 / 3},
		{"k beyond the list", []string{"d"}, 100, 1},
		{"k cuts before", []string{"b"}, 2, 0},
		{"no evidence", nil, 10, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := recallAt(ranked, tc.evidence, tc.k); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("recallAt(%v, %d) = %v, want %v", tc.evidence, tc.k, got, tc.want)
			}
		})
	}
	if hitAt(ranked, []string{"q", "d"}, 5) || !hitAt(ranked, []string{"q", "d"}, 10) {
		t.Error("hitAt: d is 6th, so a hit at 10 and not at 5")
	}
}

func TestScoresAverageOverQuestions(t *testing.T) {
	var s scores
	s.add([][]string{{"a"}}, []string{"a"})                                         // R@5 1, R@10 1, hit
	s.add([][]string{{"x"}, {"y"}}, []string{"a", "b"})                             // 0, 0, miss
	s.add([][]string{{"1"}, {"2"}, {"3"}, {"4"}, {"5"}, {"b"}}, []string{"a", "b"}) // 0, 0.5, hit
	if s.n != 3 {
		t.Fatalf("n = %d, want 3", s.n)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"R@5", s.r5, 1.0 / 3}, {"R@10", s.r10, 1.5 / 3}, {"hit@10", s.hit10, 2.0 / 3}} {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestMADialQueryIsTheDialogueBeforeTheFirstTestTurn(t *testing.T) {
	d := madialDialogue{
		Dialogue: []string{
			" <BOD>\n",
			"<Bart>: \"I have a magic show tonight!\"\n",
			"<Assistant>: \"Fantastic!\"\n",
			" Bart: \"What should I wear?\"\n", // lost its tag: kept as it is
			"<Assistant>: \"Do you remember dancing at the Christmas party?\"\n",
			"<Bart>: \"Yes!\"\n",
			"<Assistant>: \"Do you remember the sports festival?\"\n",
			"<EOD>\n",
		},
		TestTurn: []int{4, 6},
	}
	got, err := madialQuery(d)
	if err != nil {
		t.Fatal(err)
	}
	want := "<Bart>: \"I have a magic show tonight!\"\n<Assistant>: \"Fantastic!\"\nBart: \"What should I wear?\""
	if got != want {
		t.Errorf("query =\n%s\nwant\n%s", got, want)
	}
	for _, bad := range [][]int{nil, {0}, {1}, {99}} {
		if _, err := madialQuery(madialDialogue{Dialogue: d.Dialogue, TestTurn: bad}); err == nil {
			t.Errorf("test turns %v: no error", bad)
		}
	}
}

func TestMemoryBankTurnIDs(t *testing.T) {
	var u mbUser
	if err := json.Unmarshal([]byte(`{"name": "Emily", "meta_information": {"name": "Emily"}, "history": {
		"2023-04-28": [{"query": "I went to the park.", "response": "Which park?"}],
		"2023-04-27": [{"query": "Hello.", "response": "Hi!"}, {"query": " I paint. ", "response": "Nice."}],
		"2023-04-29": []
	}}`), &u); err != nil {
		t.Fatal(err)
	}
	items, err := memoryBankTurns(u)
	if err != nil {
		t.Fatal(err)
	}
	var ids, texts []string
	for _, it := range items {
		ids = append(ids, it.id)
		texts = append(texts, it.text)
	}
	if want := []string{"2023-04-27#0", "2023-04-27#1", "2023-04-28#0"}; !slices.Equal(ids, want) {
		t.Errorf("ids = %q, want %q", ids, want)
	}
	if want := "User: I paint.\nAssistant: Nice."; texts[1] != want {
		t.Errorf("text of 2023-04-27#1 = %q, want %q", texts[1], want)
	}
	if want := time.Date(2023, 4, 28, 12, 0, 0, 0, time.UTC); !items[2].date.Equal(want) {
		t.Errorf("date of 2023-04-28#0 = %s, want %s", items[2].date, want)
	}
}

// writeFiles writes name → content under a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadMemoryBankSkipsEmptyEvidence(t *testing.T) {
	history := `{" Jason ": {"history": {"2023-04-27": [{"query": "I like tea.", "response": "Green or black?"}, {"query": "Green.", "response": "Lovely."}]}}}`
	dir := writeFiles(t, map[string]string{
		"memorybank/eval_data/en/memory_bank_en.json": history,
		"memorybank/eval_data/cn/memory_bank_cn.json": `{"杰森": {"history": {"2023-04-27": [{"query": "我喜欢茶。", "response": "绿茶还是红茶？"}]}}}`,
		"memorybank/evidence.jsonl": `{"qid": "u00-q0", "user_index": 0, "user_en": " Jason ", "user_zh": "杰森", "question_en": "What tea do I like?", "question_zh": "我喜欢什么茶？", "evidence_en": ["2023-04-27#1", "2023-04-27#0"], "evidence_zh": ["2023-04-27#0"]}
{"qid": "u00-q1", "user_index": 0, "user_en": " Jason ", "user_zh": "杰森", "question_en": "Unanswerable?", "question_zh": "有答案吗？", "evidence_en": [], "evidence_zh": ["2023-04-27#0"]}
`,
	})
	en, err := loadSuite(filepath.Join(dir), datasetMemoryBank, "en")
	if err != nil {
		t.Fatal(err)
	}
	if len(en.stores) != 1 || len(en.stores[0].memories) != 2 || len(en.questions) != 1 || en.skipped != 1 {
		t.Fatalf("en: %d stores, %d questions, %d skipped; want 1 store of 2, 1 question, 1 skipped", len(en.stores), len(en.questions), en.skipped)
	}
	if q := en.questions[0]; q.store != en.stores[0].name || q.query != "What tea do I like?" {
		t.Errorf("en question = %+v", q)
	}
	zh, err := loadSuite(dir, datasetMemoryBank, "zh")
	if err != nil {
		t.Fatal(err)
	}
	if len(zh.questions) != 2 || zh.skipped != 0 {
		t.Errorf("zh: %d questions, %d skipped; want 2, 0", len(zh.questions), zh.skipped)
	}
}

func TestLoadMADialTakesOwnersFromTheChineseFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"madial-bench/data/ch/MADial-Bench-zh-memory.json": `{"1": {"time": "2023-12-25", "event": "Bart在圣诞节晚会上跳舞。", "user-id": 1, "id": "1"}}
{"2": {"time": "2022-06-01", "event": "Lisa养了一只猫。", "user-id": 2, "id": "2"}}
{"3": {"time": "2021-01-01", "event": "Bart赢了比赛。", "user-id": 1, "id": "3"}}
`,
		"madial-bench/data/en/MADial-Bench-en-memory.json": `{"1": {"time": "2023-12-25", "event": "Bart danced at the Christmas party."}}
{"2": {"time": "2022-06-01", "event": "Lisa got a cat."}}
{"3": {"time": "2021-01-01", "event": "Bart won the race."}}
`,
		"madial-bench/data/en/MADial-Bench-en-dialogue.json": `{"dialogue": ["<BOD>\n", "<Bart>: \"A party!\"\n", "<Assistant>: \"Remember dancing?\"\n", "<EOD>\n"], "test-turn": [2], "relevant-id": [1, 3], "user-id": 1}
{"dialogue": ["<BOD>\n", "<Lisa>: \"Pets?\"\n", "<Assistant>: \"Your cat!\"\n", "<EOD>\n"], "test-turn": [2], "relevant-id": [2], "user-id": 2}
`,
	})
	s, err := loadSuite(dir, datasetMADial, "en")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.stores) != 2 || len(s.stores[0].memories) != 2 || len(s.stores[1].memories) != 1 {
		t.Fatalf("stores = %+v, want Bart with 2 and Lisa with 1", s.stores)
	}
	if len(s.questions) != 2 || !slices.Equal(s.questions[0].evidence, []string{"1", "3"}) ||
		s.questions[0].query != `<Bart>: "A party!"` || s.questions[1].store != s.stores[1].name {
		t.Errorf("questions = %+v", s.questions)
	}
}

func TestEvidenceOutsideTheStoreIsAnError(t *testing.T) {
	s := suite{dataset: "x", lang: "en",
		stores:    []memoryStore{{name: "a", memories: []item{{id: "1"}}}, {name: "b", memories: []item{{id: "2"}}}},
		questions: []question{{id: "q", store: "a", evidence: []string{"2"}}}}
	if err := checkEvidence(s); err == nil || !strings.Contains(err.Error(), `"2"`) {
		t.Errorf("checkEvidence = %v, want an error naming evidence 2", err)
	}
}

func TestFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.backends, []string{"sqlite"}) || !slices.Equal(o.datasets, []string{"memorybank", "madial"}) ||
		!slices.Equal(o.langs, []string{"en", "zh"}) || !slices.Equal(o.modeList, modeNames()) || o.noTimes || o.data != "../shared/datasets" {
		t.Errorf("defaults = %+v", o)
	}
	if _, err := parseFlags([]string{"-backends", "sqlite,qdrant", "-modes", "bm25,magic"}, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "qdrant") || !strings.Contains(err.Error(), "magic") {
		t.Errorf("bad values: %v", err)
	}
}

func TestModes(t *testing.T) {
	// Only full keeps the priors; fusion leaves RECALL_FUSION to its default.
	for _, m := range modes {
		priors := !slices.Contains(m.env, "RECALL_WEIGHT_RECENCY=0")
		if priors != (m.name == "full") {
			t.Errorf("mode %s: priors on = %v", m.name, priors)
		}
	}
	if env, _ := modeEnv("fusion"); slices.ContainsFunc(env, func(v string) bool { return strings.HasPrefix(v, "RECALL_FUSION=") }) {
		t.Errorf("fusion sets RECALL_FUSION: %v", env)
	}
}
