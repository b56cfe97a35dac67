// Package store is the SQL side of a character simulation: characters and their
// personas, memories (text and metadata; vectors live behind internal/memory),
// branching story timelines, character state, relationships, conversation
// messages, the character cards characters were imported from, and lorebooks
// (authored canon, which internal/lore activates; not memories).
//
// There is one interface, Store, with two implementations that share one schema:
// SQLite (modernc.org/sqlite, the zero-config default on a bare host) and
// PostgreSQL (pgx/v5, for scale). Open chooses between them from DATABASE_URL.
// One contract test suite (storetest) proves both behave the same.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors every implementation returns, so callers can branch with errors.Is
// regardless of the backend.
var (
	// ErrNotFound means the addressed row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a row with the same unique key already exists
	// (for example a character name or a timeline branch name).
	ErrConflict = errors.New("already exists")
	// ErrInvalid wraps validation failures; the message names the field,
	// and errors.As with a *FieldError gives it.
	ErrInvalid = errors.New("invalid")
)

// Store is the SQL store. Implementations are safe for concurrent use.
//
// IDs are strings. Create* methods generate a UUIDv7 when the ID is empty and
// keep a caller-supplied ID (migration relies on that). Timestamps that are zero
// are set to the current time.
type Store interface {
	// Characters.
	CreateCharacter(ctx context.Context, c Character) (Character, error)
	GetCharacter(ctx context.Context, id string) (Character, error)
	// GetCharacterByName looks a character up by its unique name.
	GetCharacterByName(ctx context.Context, name string) (Character, error)
	ListCharacters(ctx context.Context) ([]Character, error)
	// UpdateCharacter applies the non-nil fields of the patch.
	UpdateCharacter(ctx context.Context, id string, patch CharacterPatch) (Character, error)
	// DeleteCharacter removes the character and everything that belongs to it
	// (memories and their vectors, state, relationships, messages, its card
	// and its own lore books). Timeline
	// events stay: the story happened.
	DeleteCharacter(ctx context.Context, id string) error

	// Character cards. PutCharacterCard stores (replaces) the card a
	// character was imported from; GetCharacterCard is ErrNotFound for a
	// character that has none. ImportCharacterCard creates the character,
	// its card and its lorebook (scope character, owned by it) in one
	// transaction: on any error nothing is stored.
	PutCharacterCard(ctx context.Context, c CharacterCard) (CharacterCard, error)
	GetCharacterCard(ctx context.Context, characterID string) (CharacterCard, error)
	ImportCharacterCard(ctx context.Context, in CardImport) (CardImport, error)

	// Lore books and their entries. A character book's owner must be an
	// existing character; deleting the character deletes its books, and
	// deleting a book deletes its entries. Update* run update on the row
	// read in the transaction and store the result (the ID, and for entries
	// the book and place, cannot change). Entries are validated with
	// lore.Entry.Validate: a key that does not compile is ErrInvalid naming
	// "keys" or "secondary_keys". CreateLoreEntry appends to the book;
	// ListLoreEntries lists in book order and is ErrNotFound for an unknown book.
	CreateLoreBook(ctx context.Context, b LoreBook) (LoreBook, error)
	GetLoreBook(ctx context.Context, id string) (LoreBook, error)
	// ListLoreBooks lists by scope and owner, oldest first within an owner.
	ListLoreBooks(ctx context.Context, f LoreBookFilter) ([]LoreBook, error)
	UpdateLoreBook(ctx context.Context, id string, update func(*LoreBook) error) (LoreBook, error)
	DeleteLoreBook(ctx context.Context, id string) error
	CreateLoreEntry(ctx context.Context, e LoreEntry) (LoreEntry, error)
	GetLoreEntry(ctx context.Context, id string) (LoreEntry, error)
	ListLoreEntries(ctx context.Context, bookID string) ([]LoreEntry, error)
	UpdateLoreEntry(ctx context.Context, id string, update func(*LoreEntry) error) (LoreEntry, error)
	DeleteLoreEntry(ctx context.Context, id string) error

	// Memories (rows only; see internal/memory for vector search).
	//
	// CreateMemory deduplicates: when the character already has a memory of
	// the same user and kind whose text is the same after normalisation
	// (case, whitespace, trailing punctuation; see normalizeMemoryText), no
	// copy is stored. The existing memory's importance is raised to m's if
	// m's is higher, and it is returned with Deduplicated set. This holds for
	// concurrent creates in any number of processes (a unique key decides).
	// Memories stored before keys existed (schema 3) are not deduplicated.
	CreateMemory(ctx context.Context, m Memory) (Memory, error)
	GetMemory(ctx context.Context, id string) (Memory, error)
	// GetMemories returns the memories with these IDs that exist, in no order.
	GetMemories(ctx context.Context, ids []string) ([]Memory, error)
	// UpdateMemory also updates the Kind of the memory's stored vector (and
	// so logs a vector change for every update). A text or kind that would
	// make the memory a duplicate of another is ErrConflict naming the other.
	UpdateMemory(ctx context.Context, id string, patch MemoryPatch) (Memory, error)
	// DeleteMemory deletes the memory and its stored vector.
	DeleteMemory(ctx context.Context, id string) error
	// ListMemories returns memories matching the filter, the latest to have
	// happened first (by OccurredAt, then CreatedAt and ID). After later
	// than Before is ErrInvalid naming "after".
	ListMemories(ctx context.Context, f MemoryFilter) ([]Memory, error)
	// TouchMemories sets the last_accessed_at of recalled memories, each to
	// its own time (zero means now), in one transaction. Unknown IDs are ignored.
	TouchMemories(ctx context.Context, accessed map[string]time.Time) error

	// Vectors of the embedded vector backend, kept in the same database so that
	// a memory row and its vector can be written in one transaction. Like a
	// Qdrant collection, the vector table is keyed by memory ID and accepts IDs
	// without a memory row; deleting memories deletes their vectors.
	UpsertVectors(ctx context.Context, vs []MemoryVector) error
	DeleteVectors(ctx context.Context, memoryIDs []string) error
	// ScanVectors calls fn for every stored vector (used to load the
	// in-memory index), with its memory's Text and OccurredAt.
	ScanVectors(ctx context.Context, fn func(MemoryVector) error) error
	// CreateMemoryWithVector writes the row and its vector atomically. It
	// deduplicates like CreateMemory; a deduplicated memory keeps its vector.
	CreateMemoryWithVector(ctx context.Context, m Memory, vector []float32) (Memory, error)
	// GetVectors returns the stored vectors of those of ids that have one,
	// with their memories' Text and OccurredAt.
	GetVectors(ctx context.Context, ids []string) ([]MemoryVector, error)

	// The vector change log numbers every write to the stored vectors, in
	// commit order, so that an in-memory index can follow the writes of other
	// processes. LastVectorChange is the number of the latest change (0 before
	// the first); read it before ScanVectors, then follow from there.
	LastVectorChange(ctx context.Context) (int64, error)
	// VectorChanges returns the memory IDs of up to limit changes numbered
	// after `after`, oldest first (an ID may repeat), and the number of the
	// last one returned (after itself when there is none). complete is false
	// when changes after `after` may have been pruned: the caller has to load
	// every vector again.
	VectorChanges(ctx context.Context, after int64, limit int) (ids []string, last int64, complete bool, err error)
	// PruneVectorChanges deletes all but the latest keep changes.
	PruneVectorChanges(ctx context.Context, keep int64) error

	// Timeline. Events form a tree through ParentID; a branch is a named head.
	// AddEvent appends to the event's Branch (default "main"): when ParentID is
	// empty the parent is the branch's current head. The branch head moves to
	// the new event. Adding to a branch that does not exist creates it.
	AddEvent(ctx context.Context, e TimelineEvent) (TimelineEvent, error)
	GetEvent(ctx context.Context, id string) (TimelineEvent, error)
	// Timeline returns the chain from the branch head back to the root, oldest
	// first, keeping the newest limit events (limit <= 0 means all). Branch ""
	// means "main"; an unknown branch is ErrNotFound, except "main", which is
	// empty until the channel's first event.
	Timeline(ctx context.Context, channelID, branch string, limit int) ([]TimelineEvent, error)
	// BranchTimeline creates branch name in the event's channel, whose head is
	// fromEventID. ErrConflict when the name exists in that channel.
	BranchTimeline(ctx context.Context, fromEventID, name string) (Branch, error)
	ListBranches(ctx context.Context, channelID string) ([]Branch, error)
	// ListChannels lists the channels that have a timeline, sorted.
	ListChannels(ctx context.Context) ([]string, error)
	// ChannelEvents returns every event of a channel's tree, every branch's
	// included, oldest first (by CreatedAt, then ID).
	ChannelEvents(ctx context.Context, channelID string) ([]TimelineEvent, error)
	// UpdateEvent applies the non-nil fields of the patch, validated as
	// AddEvent validates; ErrNotFound for an unknown event.
	UpdateEvent(ctx context.Context, id string, patch EventPatch) (TimelineEvent, error)

	// State and relationships. For an existing character without a stored
	// state or relationship the Get methods return the defaults (DefaultEmotion,
	// DefaultEnergy; a neutral relationship) with a zero UpdatedAt; for a
	// missing character they return ErrNotFound.
	GetCharacterState(ctx context.Context, characterID string) (CharacterState, error)
	// UpdateCharacterState applies the non-nil fields; the state row is created on first use.
	UpdateCharacterState(ctx context.Context, characterID string, patch StatePatch) (CharacterState, error)
	GetRelationship(ctx context.Context, characterID, target string) (Relationship, error)
	ListRelationships(ctx context.Context, characterID string) ([]Relationship, error)
	// UpdateRelationship adds the deltas (clamped to -1..1) and records the reason.
	UpdateRelationship(ctx context.Context, characterID, target string, change RelationshipChange) (Relationship, error)

	// Conversation.
	LogMessage(ctx context.Context, m Message) (Message, error)
	// RecentMessages returns the newest limit messages of a character in a
	// channel, oldest first (limit <= 0 means all).
	RecentMessages(ctx context.Context, characterID, channelID string, limit int) ([]Message, error)

	// User personas, one per user ID. SetPersona creates or replaces the
	// user's persona (a name is required: clearing is DeletePersona);
	// GetPersona and DeletePersona are ErrNotFound for a user without one.
	SetPersona(ctx context.Context, p Persona) (Persona, error)
	GetPersona(ctx context.Context, userID string) (Persona, error)
	DeletePersona(ctx context.Context, userID string) error

	// Privacy: ForgetUser deletes every memory (with vector) and message of a
	// user, every relationship whose target is the user, and the user's
	// persona, and returns the IDs of the deleted memories, so a remote
	// vector backend can delete them too.
	ForgetUser(ctx context.Context, userID string) (deletedMemoryIDs []string, err error)

	// Migration and administration.
	Export(ctx context.Context) (*Dataset, error)
	// Import inserts every row that is not already present (by primary key)
	// and reports how many were inserted. Running it twice inserts nothing.
	// It validates every row first and writes all of them in one transaction.
	// Rows keep their times. A memory that duplicates another is imported
	// all the same, without a dedup key.
	Import(ctx context.Context, d *Dataset) (Counts, error)
	Count(ctx context.Context) (Counts, error)

	// GetMeta and SetMeta read and write (upsert) a key/value fact about the
	// store, such as the version of the embedder that made its vectors. ok
	// is false for a key that was never set.
	GetMeta(ctx context.Context, key string) (value string, ok bool, err error)
	SetMeta(ctx context.Context, key, value string) error

	// Ping checks the database is reachable (used by /readyz).
	Ping(ctx context.Context) error
	// Backend is "sqlite" or "postgres".
	Backend() string
	Close() error
}
