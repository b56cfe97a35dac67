package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// suite is one dataset in one language, ready to load and ask: its stores
// (one character each) and its questions.
type suite struct {
	dataset, lang string
	stores        []memoryStore
	questions     []question
	skipped       int // questions left out, as the dataset README says
}

// memoryStore is one user's memories: one character on the server.
type memoryStore struct {
	name     string // character name
	memories []item
}

// item is one memory to store, under the dataset's own id.
type item struct {
	id   string // dataset id: "2023-04-27#3" (MemoryBank), "17" (MADial)
	text string
	date time.Time // when it happened: the day at noon UTC
}

// question is one recall, asked of one store only.
type question struct {
	id       string
	store    string // memoryStore.name
	query    string
	evidence []string // dataset ids
}

// Dataset names on the command line, and their folders under -data.
const (
	datasetMemoryBank = "memorybank"
	datasetMADial     = "madial"
)

var datasetDirs = map[string]string{datasetMemoryBank: "memorybank", datasetMADial: "madial-bench"}

// loadSuite reads one dataset in one language from the datasets folder.
func loadSuite(dataDir, dataset, lang string) (suite, error) {
	dir := filepath.Join(dataDir, datasetDirs[dataset])
	switch dataset {
	case datasetMemoryBank:
		return loadMemoryBank(dir, lang)
	case datasetMADial:
		return loadMADial(dir, lang)
	}
	return suite{}, fmt.Errorf("unknown dataset %q", dataset)
}

// noon is the day of a YYYY-MM-DD date at 12:00 UTC.
func noon(date string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(date))
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: %w", date, err)
	}
	return d.Add(12 * time.Hour), nil
}

// --- MemoryBank ---

// mbTurn is one query + response pair of a MemoryBank history.
type mbTurn struct {
	Query    string `json:"query"`
	Response string `json:"response"`
}

type mbUser struct {
	History map[string][]mbTurn `json:"history"`
}

type mbEvidence struct {
	QID        string   `json:"qid"`
	UserIndex  int      `json:"user_index"`
	UserEN     string   `json:"user_en"`
	UserZH     string   `json:"user_zh"`
	QuestionEN string   `json:"question_en"`
	QuestionZH string   `json:"question_zh"`
	EvidenceEN []string `json:"evidence_en"`
	EvidenceZH []string `json:"evidence_zh"`
}

// memoryBankTurns turns one user's history into one memory per turn, with
// the id "date#i" (history[date][i], i from 0), in date order. The persona
// (meta_information) is not memory and is not read.
func memoryBankTurns(u mbUser) ([]item, error) {
	dates := make([]string, 0, len(u.History))
	for d := range u.History {
		dates = append(dates, d)
	}
	slices.Sort(dates) // YYYY-MM-DD sorts by time
	var items []item
	for _, d := range dates {
		at, err := noon(d)
		if err != nil {
			return nil, err
		}
		for i, t := range u.History[d] {
			items = append(items, item{
				id:   fmt.Sprintf("%s#%d", d, i),
				text: "User: " + strings.TrimSpace(t.Query) + "\nAssistant: " + strings.TrimSpace(t.Response),
				date: at,
			})
		}
	}
	return items, nil
}

func loadMemoryBank(dir, lang string) (suite, error) {
	s := suite{dataset: datasetMemoryBank, lang: lang}
	folder := map[string]string{"en": "en", "zh": "cn"}[lang]
	var users map[string]mbUser
	if err := readJSON(filepath.Join(dir, "eval_data", folder, "memory_bank_"+folder+".json"), &users); err != nil {
		return s, err
	}
	var evidence []mbEvidence
	if err := readJSONLines(filepath.Join(dir, "evidence.jsonl"), func(line []byte) error {
		var e mbEvidence
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		evidence = append(evidence, e)
		return nil
	}); err != nil {
		return s, err
	}
	stores := map[int]bool{}
	for _, e := range evidence {
		key, query, ids := e.UserEN, e.QuestionEN, e.EvidenceEN
		if lang == "zh" {
			key, query, ids = e.UserZH, e.QuestionZH, e.EvidenceZH
		}
		u, ok := users[key] // keys as written, stray spaces included
		if !ok {
			return s, fmt.Errorf("%s: user %q is not in the %s histories", e.QID, key, lang)
		}
		name := fmt.Sprintf("memorybank-%s-u%02d", lang, e.UserIndex)
		if !stores[e.UserIndex] {
			stores[e.UserIndex] = true
			items, err := memoryBankTurns(u)
			if err != nil {
				return s, fmt.Errorf("user %q: %w", key, err)
			}
			s.stores = append(s.stores, memoryStore{name: name, memories: items})
		}
		if len(ids) == 0 { // u06-q4 in English: unanswerable, left out of the averages
			s.skipped++
			continue
		}
		s.questions = append(s.questions, question{id: e.QID, store: name, query: query, evidence: ids})
	}
	return s, checkEvidence(s)
}

// --- MADial-Bench ---

type madialRecord struct {
	Time   string `json:"time"`
	Event  string `json:"event"`
	UserID int    `json:"user-id"` // Chinese file only
}

type madialDialogue struct {
	Dialogue   []string `json:"dialogue"`
	TestTurn   []int    `json:"test-turn"`
	RelevantID []int    `json:"relevant-id"`
	UserID     int      `json:"user-id"`
}

// madialQuery is the query of a dialogue: every line before its first test
// turn, as the authors built it (upstream Embedding.py), one line each,
// trimmed, without the <BOD> marker. Lines are kept as they are otherwise
// (a missing speaker tag stays missing).
func madialQuery(d madialDialogue) (string, error) {
	if len(d.TestTurn) == 0 {
		return "", fmt.Errorf("no test turn")
	}
	first := d.TestTurn[0]
	if first < 1 || first > len(d.Dialogue) {
		return "", fmt.Errorf("test turn %d outside the dialogue's %d lines", first, len(d.Dialogue))
	}
	var lines []string
	for _, l := range d.Dialogue[:first] {
		l = strings.TrimSpace(l)
		if l == "" || l == "<BOD>" {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		return "", fmt.Errorf("nothing before the first test turn %d", first)
	}
	return strings.Join(lines, "\n"), nil
}

func madialUserName(lang string, user int) string {
	return fmt.Sprintf("madial-%s-user%d", lang, user)
}

func loadMADial(dir, lang string) (suite, error) {
	s := suite{dataset: datasetMADial, lang: lang}
	folder := map[string]string{"en": "en", "zh": "ch"}[lang]
	readRecords := func(path string) (map[string]madialRecord, []string, error) {
		records := map[string]madialRecord{}
		var order []string
		err := readJSONLines(path, func(line []byte) error {
			var r map[string]madialRecord
			if err := json.Unmarshal(line, &r); err != nil {
				return err
			}
			for id, rec := range r {
				records[id] = rec
				order = append(order, id)
			}
			return nil
		})
		return records, order, err
	}
	// Owners come from the Chinese file, by id: the English one has no user-id.
	owners, _, err := readRecords(filepath.Join(dir, "data", "ch", "MADial-Bench-zh-memory.json"))
	if err != nil {
		return s, err
	}
	records, order, err := readRecords(filepath.Join(dir, "data", folder, "MADial-Bench-"+lang+"-memory.json"))
	if err != nil {
		return s, err
	}
	byUser := map[int][]item{}
	for _, id := range order {
		owner, ok := owners[id]
		if !ok || owner.UserID == 0 {
			return s, fmt.Errorf("memory %s has no owner in the Chinese file", id)
		}
		at, err := noon(records[id].Time)
		if err != nil {
			return s, fmt.Errorf("memory %s: %w", id, err)
		}
		byUser[owner.UserID] = append(byUser[owner.UserID], item{id: id, text: strings.TrimSpace(records[id].Event), date: at})
	}
	users := make([]int, 0, len(byUser))
	for u := range byUser {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		s.stores = append(s.stores, memoryStore{name: madialUserName(lang, u), memories: byUser[u]})
	}
	n := 0
	err = readJSONLines(filepath.Join(dir, "data", folder, "MADial-Bench-"+lang+"-dialogue.json"), func(line []byte) error {
		var d madialDialogue
		if err := json.Unmarshal(line, &d); err != nil {
			return err
		}
		id := fmt.Sprintf("d%03d", n)
		n++
		query, err := madialQuery(d)
		if err != nil {
			return fmt.Errorf("dialogue %s: %w", id, err)
		}
		evidence := make([]string, len(d.RelevantID))
		for i, r := range d.RelevantID {
			evidence[i] = strconv.Itoa(r)
		}
		s.questions = append(s.questions, question{id: id, store: madialUserName(lang, d.UserID), query: query, evidence: evidence})
		return nil
	})
	if err != nil {
		return s, err
	}
	return s, checkEvidence(s)
}

// checkEvidence makes sure every evidence id is a memory of the question's
// store, so that a misread file cannot pass for a weak ranking.
func checkEvidence(s suite) error {
	ids := map[string]map[string]bool{}
	for _, st := range s.stores {
		ids[st.name] = map[string]bool{}
		for _, m := range st.memories {
			ids[st.name][m.id] = true
		}
	}
	for _, q := range s.questions {
		for _, e := range q.evidence {
			if !ids[q.store][e] {
				return fmt.Errorf("%s %s question %s: evidence %q is not a memory of %s", s.dataset, s.lang, q.id, e, q.store)
			}
		}
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// readJSONLines calls fn with each non-empty line of a JSON Lines file.
func readJSONLines(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return scanJSONLines(path, f, fn)
}

func scanJSONLines(name string, r io.Reader, fn func([]byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := []byte(strings.TrimSpace(sc.Text()))
		if len(line) == 0 {
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("%s line %d: %w", name, n, err)
		}
	}
	return sc.Err()
}
