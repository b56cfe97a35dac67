package mcpserver

import (
	"context"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/mojin/charsim/internal/memory"
	"github.com/mojin/charsim/internal/store"
)

// Limits of the memory tools.
const (
	defaultListLimit  = 20
	maxListLimit      = 200
	defaultImportance = 5
)

type rememberInput struct {
	characterArg
	Text       string   `json:"text" jsonschema:"What to remember, as one self-contained sentence, e.g. 'Sam said their sister Mia is a pilot.'"`
	Kind       string   `json:"kind,omitempty" jsonschema:"episodic: something that happened; semantic: a fact or belief; reflection: an insight drawn from other memories."`
	Importance int      `json:"importance,omitempty" jsonschema:"How much this matters to the character, 1 (trivial) to 10 (life-changing)."`
	User       string   `json:"user,omitempty" jsonschema:"ID of the user this memory is about, if any (lets forget_user erase it)."`
	Channel    string   `json:"channel,omitempty" jsonschema:"ID of the channel or scene where it happened, if any."`
	Tags       []string `json:"tags,omitempty" jsonschema:"Free-form labels, e.g. family, promise."`
	OccurredAt string   `json:"occurred_at,omitempty" jsonschema:"When it happened, as an RFC 3339 time such as 2025-03-14T15:09:26Z, if not now (a memory of the past, an imported log)."`
}

type recallInput struct {
	characterArg
	Query   string `json:"query" jsonschema:"What to remember about, in natural language; usually the latest message or the topic at hand."`
	User    string `json:"user,omitempty" jsonschema:"Only memories about this user ID."`
	Channel string `json:"channel,omitempty" jsonschema:"Only memories from this channel ID."`
	Kind    string `json:"kind,omitempty" jsonschema:"Only memories of this kind."`
	After   string `json:"after,omitempty" jsonschema:"Only memories that happened at or after this RFC 3339 time, e.g. 2025-03-14T00:00:00Z."`
	Before  string `json:"before,omitempty" jsonschema:"Only memories that happened at or before this RFC 3339 time."`
	Limit   int    `json:"limit,omitempty" jsonschema:"How many memories to return at most."`
	Explain bool   `json:"explain,omitempty" jsonschema:"Also return each result's ranking breakdown (lexical and vector scores and ranks, fused relevance, recency, importance, final score), for debugging."`
}

type listMemoriesInput struct {
	characterArg
	User    string `json:"user,omitempty" jsonschema:"Only memories about this user ID."`
	Channel string `json:"channel,omitempty" jsonschema:"Only memories from this channel ID."`
	Kind    string `json:"kind,omitempty" jsonschema:"Only memories of this kind."`
	After   string `json:"after,omitempty" jsonschema:"Only memories that happened at or after this RFC 3339 time, e.g. 2025-03-14T00:00:00Z."`
	Before  string `json:"before,omitempty" jsonschema:"Only memories that happened at or before this RFC 3339 time."`
	Limit   int    `json:"limit,omitempty" jsonschema:"Page size."`
	Offset  int    `json:"offset,omitempty" jsonschema:"How many of the newest memories to skip, for paging."`
}

type updateMemoryInput struct {
	MemoryID   string    `json:"memory_id" jsonschema:"ID of the memory to change (from remember, recall or list_memories)."`
	Text       *string   `json:"text,omitempty" jsonschema:"The corrected text. Omit to keep it."`
	Kind       *string   `json:"kind,omitempty" jsonschema:"The new kind. Omit to keep it."`
	Importance *int      `json:"importance,omitempty" jsonschema:"The new importance, 1 to 10. Omit to keep it."`
	Tags       *[]string `json:"tags,omitempty" jsonschema:"The full new list of tags (replaces the old list). Omit to keep it."`
	OccurredAt *string   `json:"occurred_at,omitempty" jsonschema:"When it really happened, as an RFC 3339 time such as 2025-03-14T15:09:26Z. Omit to keep it."`
}

type forgetInput struct {
	MemoryID string `json:"memory_id" jsonschema:"ID of the memory to delete."`
}

type forgetUserInput struct {
	User string `json:"user" jsonschema:"ID of the user whose memories and messages are to be erased."`
}

// recalledMemory is a memory.Recalled as tools return it. memory.Recalled
// cannot be used directly: its Importance field (the score term) shadows the
// embedded Memory.Importance for schema inference, so the inferred output
// schema would reject the memory's own "importance".
type recalledMemory struct {
	store.Memory
	Score           float64 `json:"score"`
	Relevance       float64 `json:"relevance"`
	Recency         float64 `json:"recency"`
	ImportanceScore float64 `json:"importance_score"`
	// Breakdown is there when the caller asked recall to explain.
	Breakdown *recallBreakdown `json:"breakdown,omitempty"`
}

// recallBreakdown is every step of a result's ranking (see memory.Recall):
// the two rankings' scores and places (0 when the memory was not among
// that ranking's candidates), their fusion, the two priors and the final
// score with the configured weights.
type recallBreakdown struct {
	Lexical     float64 `json:"lexical" jsonschema:"BM25 score of the query's terms."`
	LexicalRank int     `json:"lexical_rank" jsonschema:"Place in the lexical ranking, 1 is best, 0 if not in it."`
	Vector      float64 `json:"vector" jsonschema:"Cosine similarity of the query's and the memory's vectors."`
	VectorRank  int     `json:"vector_rank" jsonschema:"Place in the vector ranking, 1 is best, 0 if not in it."`
	OnNamedDay  bool    `json:"on_named_day" jsonschema:"The memory happened on a day the query names (May 2nd, 5月2日, yesterday)."`
	Relevance   float64 `json:"relevance" jsonschema:"The fused relevance, 0 to 1."`
	Recency     float64 `json:"recency" jsonschema:"Recency, 0 to 1, from when the memory happened and was last recalled."`
	Importance  float64 `json:"importance" jsonschema:"Importance, 0 to 1."`
	Final       float64 `json:"final" jsonschema:"The weighted sum the results are sorted by."`
}

// recall runs a recall and converts its results for output, with their
// breakdown when explain is set.
func (s *Server) recall(ctx context.Context, q memory.Query, explain bool) ([]recalledMemory, error) {
	found, err := s.memory.Recall(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]recalledMemory, len(found))
	for i, r := range found {
		out[i] = recalledMemory{Memory: r.Memory, Score: r.Score, Relevance: r.Relevance, Recency: r.Recency, ImportanceScore: r.Importance}
		if explain {
			b := r.Breakdown
			out[i].Breakdown = &recallBreakdown{
				Lexical: b.Lexical, LexicalRank: b.LexicalRank, Vector: b.Vector, VectorRank: b.VectorRank,
				OnNamedDay: b.OnNamedDay, Relevance: b.Relevance, Recency: r.Recency, Importance: r.Importance, Final: r.Score,
			}
		}
	}
	return out, nil
}

type recalledMemories struct {
	Memories []recalledMemory `json:"memories"`
}

type memoryList struct {
	Memories []store.Memory `json:"memories"`
}

type forgotten struct {
	ForgottenID string `json:"forgotten_id"`
}

type forgottenUser struct {
	User            string `json:"user"`
	MemoriesDeleted int    `json:"memories_deleted"`
}

var memoryKindRule = oneOf("kind", store.MemoryKinds)

// dateTime marks a string property as an RFC 3339 time, for the model; the
// SDK does not check formats, so the tools parse the value themselves
// (timeArgument).
func dateTime(name string) schemaRule {
	return func(props map[string]*jsonschema.Schema) {
		property(props, name).Format = "date-time"
	}
}

// timeArgument parses the RFC 3339 time of argument arg; "" is the zero time.
func timeArgument(arg, value string) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return time.Time{}, badArgument(arg, "must be an RFC 3339 time such as 2025-03-14T15:09:26Z, got %q", value)
	}
	return t, nil
}

// timeRange parses the after and before arguments of a listing or a search;
// after later than before would find nothing, so it is a mistake.
func timeRange(after, before string) (time.Time, time.Time, error) {
	a, err := timeArgument("after", after)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	b, err := timeArgument("before", before)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if !a.IsZero() && !b.IsZero() && a.After(b) {
		return time.Time{}, time.Time{}, badArgument("after", "%s is later than before (%s)", after, before)
	}
	return a, b, nil
}

func (s *Server) registerMemoryTools() {
	addTool(s, toolInfo{
		name: "remember",
		description: "Store a long-term memory for a character. Use this when something worth remembering " +
			"happens or is learned in the conversation: a fact about a user, a promise, an event, a feeling.",
		rules: []schemaRule{memoryKindRule, byDefault("kind", store.KindEpisodic),
			between("importance", 1, 10), byDefault("importance", defaultImportance), dateTime("occurred_at")},
	}, func(ctx context.Context, in rememberInput) (store.Memory, error) {
		occurred, err := timeArgument("occurred_at", in.OccurredAt)
		if err != nil {
			return store.Memory{}, err
		}
		c, err := s.resolveCharacter(ctx, in.Character)
		if err != nil {
			return store.Memory{}, err
		}
		// A memory the character has already (same user, kind and text up to
		// case, spacing and final punctuation) comes back with
		// "deduplicated": true instead of being stored twice.
		return s.memory.Remember(ctx, store.Memory{
			CharacterID: c.ID, UserID: in.User, ChannelID: in.Channel,
			Kind: store.MemoryKind(in.Kind), Text: in.Text, Importance: in.Importance, Tags: in.Tags, OccurredAt: occurred,
		})
	})

	addTool(s, toolInfo{
		name: "recall",
		description: "Search a character's memories by meaning. Results are ranked by relevance to the query, " +
			"recency and importance; a query that names a day (\"on May 2nd\", \"5月2日\", \"yesterday\") ranks that day's memories first. " +
			"Use this before replying, to bring up what the character knows about the topic or the user.",
		readOnly: true,
		rules: []schemaRule{memoryKindRule, between("limit", 1, memory.MaxRecallLimit),
			byDefault("limit", memory.DefaultRecallLimit), dateTime("after"), dateTime("before")},
	}, func(ctx context.Context, in recallInput) (recalledMemories, error) {
		after, before, err := timeRange(in.After, in.Before)
		if err != nil {
			return recalledMemories{}, err
		}
		c, err := s.resolveCharacter(ctx, in.Character)
		if err != nil {
			return recalledMemories{}, err
		}
		found, err := s.recall(ctx, memory.Query{
			Text: in.Query,
			Filter: memory.Filter{CharacterID: c.ID, UserID: in.User, ChannelID: in.Channel, Kind: store.MemoryKind(in.Kind),
				After: after, Before: before},
			Limit: in.Limit,
		}, in.Explain)
		return recalledMemories{Memories: found}, err
	})

	addTool(s, toolInfo{
		name: "list_memories",
		description: "List a character's memories, the latest to have happened first, optionally filtered by user, channel, kind or time. " +
			"Use this to review or page through memories (for example to find one to update or forget); use recall to search by meaning.",
		readOnly: true,
		rules: []schemaRule{memoryKindRule, between("limit", 1, maxListLimit), byDefault("limit", defaultListLimit),
			between("offset", 0, 1e9), dateTime("after"), dateTime("before")},
	}, func(ctx context.Context, in listMemoriesInput) (memoryList, error) {
		after, before, err := timeRange(in.After, in.Before)
		if err != nil {
			return memoryList{}, err
		}
		c, err := s.resolveCharacter(ctx, in.Character)
		if err != nil {
			return memoryList{}, err
		}
		ms, err := s.store.ListMemories(ctx, store.MemoryFilter{
			CharacterID: c.ID, UserID: in.User, ChannelID: in.Channel, Kind: store.MemoryKind(in.Kind),
			After: after, Before: before, Limit: in.Limit, Offset: in.Offset,
		})
		return memoryList{Memories: ms}, err
	})

	addTool(s, toolInfo{
		name: "update_memory",
		description: "Correct a memory by its ID: its text, kind, importance, tags or when it happened. Only the arguments you pass change. " +
			"Use this when a remembered fact turns out wrong or changes.",
		rules: []schemaRule{memoryKindRule, between("importance", 1, 10), dateTime("occurred_at")},
	}, func(ctx context.Context, in updateMemoryInput) (store.Memory, error) {
		patch := store.MemoryPatch{Text: in.Text, Importance: in.Importance, Tags: in.Tags}
		if in.Kind != nil {
			kind := store.MemoryKind(*in.Kind)
			patch.Kind = &kind
		}
		if in.OccurredAt != nil {
			// Unlike remember's, an empty time here is a mistake, not "now".
			if *in.OccurredAt == "" {
				return store.Memory{}, badArgument("occurred_at", "must be an RFC 3339 time such as 2025-03-14T15:09:26Z, got \"\"")
			}
			occurred, err := timeArgument("occurred_at", *in.OccurredAt)
			if err != nil {
				return store.Memory{}, err
			}
			patch.OccurredAt = &occurred
		}
		if patch == (store.MemoryPatch{}) {
			return store.Memory{}, nothingToChange("text", "kind", "importance", "tags", "occurred_at")
		}
		id := strings.TrimSpace(in.MemoryID)
		m, err := s.memory.Update(ctx, id, patch)
		return m, unknown(err, "memory_id", id)
	})

	addTool(s, toolInfo{
		name:        "forget",
		description: "Delete one memory by its ID, for good. Use this when asked to forget something specific.",
		destructive: true,
	}, func(ctx context.Context, in forgetInput) (forgotten, error) {
		id := strings.TrimSpace(in.MemoryID)
		return forgotten{ForgottenID: id}, unknown(s.memory.Forget(ctx, id), "memory_id", id)
	})

	addTool(s, toolInfo{
		name: "forget_user",
		description: "Erase everything every character remembers about a user, and the user's logged messages. " +
			"Use this only when the user asks to be forgotten (privacy request).",
		destructive: true,
	}, func(ctx context.Context, in forgetUserInput) (forgottenUser, error) {
		user := strings.TrimSpace(in.User)
		n, err := s.memory.ForgetUser(ctx, user)
		// Even a partial failure may have deleted messages that are cached.
		s.cache.Purge(ctx)
		return forgottenUser{User: user, MemoriesDeleted: n}, err
	})
}
