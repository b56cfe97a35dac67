package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/mojin/charsim/internal/store"
)

// Sizing of the conversation cache.
const (
	// recentCacheSize is how many of the newest messages of a conversation
	// (character + channel) are cached; longer reads go to the store.
	recentCacheSize = 50
	// recentCacheTTL bounds how long an idle conversation stays cached.
	recentCacheTTL = 30 * time.Minute
)

// Redis keys. A conversation's messages are a sorted set scored by creation
// time, so that a message added twice is stored once and order is kept. Its
// version key changes on every append, and the epoch on every purge: a fill
// from the store is committed only if neither changed meanwhile (WATCH), so a
// fill can never resurrect deleted messages or miss an appended one.
const (
	recentKeyPrefix  = "charsim:recent:"
	versionKeyPrefix = "charsim:recent-version:"
	epochKey         = "charsim:recent-epoch"
)

// appendScript adds a message to a cached conversation, if that conversation
// is cached, keeping only the newest ones; it always bumps the version.
// KEYS: conversation, version. ARGV: score, message JSON, size, TTL seconds.
var appendScript = redis.NewScript(`
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[3]) - 1)
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
return 0
`)

// recentCache caches the newest messages of conversations in Redis. It is an
// optimisation only: when Redis fails, reads go to the store and the failure
// is logged, never returned. A nil *recentCache is a valid disabled cache.
//
// Invariant: a cached conversation holds exactly its newest
// min(count, recentCacheSize) messages.
type recentCache struct {
	rdb    *redis.Client
	logger *slog.Logger

	mu sync.Mutex
	// stale lists conversations whose append failed; they are dropped from
	// Redis before being read again.
	stale map[string]bool
	// purgePending is set when a purge failed; the cache is bypassed until
	// a purge succeeds.
	purgePending bool
}

func newRecentCache(rdb *redis.Client, logger *slog.Logger) *recentCache {
	return &recentCache{rdb: rdb, logger: logger, stale: map[string]bool{}}
}

// loader reads the newest n messages of the conversation from the store.
type loader func(ctx context.Context, n int) ([]store.Message, error)

// recentKeys returns the conversation and version keys. The IDs are escaped
// so that no two conversations share a key.
func recentKeys(characterID, channelID string) (conversation, version string) {
	id := url.QueryEscape(characterID) + ":" + url.QueryEscape(channelID)
	return recentKeyPrefix + id, versionKeyPrefix + id
}

// Recent returns the newest limit messages of a conversation, oldest first.
func (c *recentCache) Recent(ctx context.Context, characterID, channelID string, limit int, load loader) ([]store.Message, error) {
	if c == nil || limit > recentCacheSize {
		return load(ctx, limit)
	}
	key, version := recentKeys(characterID, channelID)
	if err := c.prepare(ctx, key, version); err != nil {
		c.logger.Warn("conversation cache unavailable; reading the store", "error", err)
		return load(ctx, limit)
	}
	var (
		msgs    []store.Message
		loaded  bool
		loadErr error
	)
	err := c.rdb.Watch(ctx, func(tx *redis.Tx) error {
		members, err := tx.ZRange(ctx, key, int64(-limit), -1).Result()
		if err != nil {
			return err
		}
		if len(members) > 0 {
			msgs, err = decodeMessages(members)
			return err
		}
		all, err := load(ctx, recentCacheSize)
		if err != nil {
			loadErr = err
			return err
		}
		msgs, loaded = all[max(0, len(all)-limit):], true
		if len(all) == 0 {
			return nil
		}
		entries, err := encodeMessages(all)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.ZAdd(ctx, key, entries...)
			p.Expire(ctx, key, recentCacheTTL)
			return nil
		})
		return err
	}, version, epochKey)
	switch {
	case loadErr != nil:
		return nil, loadErr
	case err == nil || errors.Is(err, redis.TxFailedErr):
		// TxFailedErr: the conversation changed while it was being filled;
		// what the store returned is current, it is just not cached.
		return msgs, nil
	case loaded:
		c.logger.Warn("conversation cache: fill failed", "error", err)
		return msgs, nil
	default:
		// Redis is down or the entry is unreadable: drop it when Redis answers.
		c.logger.Warn("conversation cache unavailable; reading the store", "error", err)
		c.markStale(key)
		return load(ctx, limit)
	}
}

// prepare brings the cache up to date with failures it could not write
// before: a pending purge, or a stale conversation (dropped, with its
// version bumped so that a concurrent fill does not put it back).
func (c *recentCache) prepare(ctx context.Context, key, version string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.purgePending {
		if err := c.purge(ctx); err != nil {
			return err
		}
		c.purgePending = false
		clear(c.stale)
	}
	if c.stale[key] {
		_, err := c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Incr(ctx, version)
			p.Expire(ctx, version, recentCacheTTL)
			p.Del(ctx, key)
			return nil
		})
		if err != nil {
			return fmt.Errorf("drop stale conversation: %w", err)
		}
		delete(c.stale, key)
	}
	return nil
}

// Append adds a logged message to its conversation if that is cached.
func (c *recentCache) Append(ctx context.Context, m store.Message) {
	if c == nil {
		return
	}
	key, version := recentKeys(m.CharacterID, m.ChannelID)
	member, err := json.Marshal(m)
	if err == nil {
		err = appendScript.Run(ctx, c.rdb, []string{key, version},
			score(m), member, recentCacheSize, int(recentCacheTTL.Seconds())).Err()
	}
	if err != nil {
		c.logger.Warn("conversation cache: append failed; the conversation will be reloaded", "error", err)
		c.markStale(key)
	}
}

func (c *recentCache) markStale(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stale[key] = true
}

// Purge drops every cached conversation, after messages were deleted.
func (c *recentCache) Purge(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.purge(ctx); err != nil {
		c.logger.Warn("conversation cache: purge failed; bypassing the cache until it succeeds", "error", err)
		c.purgePending = true
	}
}

func (c *recentCache) purge(ctx context.Context) error {
	// The epoch goes first: fills that read the store before the deletion
	// then fail instead of caching deleted messages.
	if err := c.rdb.Incr(ctx, epochKey).Err(); err != nil {
		return fmt.Errorf("bump cache epoch: %w", err)
	}
	iter := c.rdb.Scan(ctx, 0, recentKeyPrefix+"*", 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("list cached conversations: %w", err)
	}
	for start := 0; start < len(keys); start += 500 {
		if err := c.rdb.Unlink(ctx, keys[start:min(start+500, len(keys))]...).Err(); err != nil {
			return fmt.Errorf("drop cached conversations: %w", err)
		}
	}
	return nil
}

// Ping checks Redis for /readyz.
func (c *recentCache) Ping(ctx context.Context) error {
	return c.rdb.Ping(ctx).Err()
}

// Close closes the Redis client.
func (c *recentCache) Close() error {
	if c == nil {
		return nil
	}
	return c.rdb.Close()
}

func score(m store.Message) float64 { return float64(m.CreatedAt.UnixMicro()) }

func encodeMessages(msgs []store.Message) ([]redis.Z, error) {
	out := make([]redis.Z, len(msgs))
	for i, m := range msgs {
		b, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("encode message %s: %w", m.ID, err)
		}
		out[i] = redis.Z{Score: score(m), Member: b}
	}
	return out, nil
}

func decodeMessages(members []string) ([]store.Message, error) {
	out := make([]store.Message, len(members))
	for i, raw := range members {
		if err := json.Unmarshal([]byte(raw), &out[i]); err != nil {
			return nil, fmt.Errorf("decode cached message: %w", err)
		}
	}
	return out, nil
}
