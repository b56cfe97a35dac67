package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
)

// activeCharacter is the character that answers in a channel.
type activeCharacter struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// channelCharacters remembers the active character of each channel. Both
// implementations (in memory, Redis) return what was last set for a channel
// and report an unset channel as not found.
type channelCharacters interface {
	Get(ctx context.Context, channelID string) (activeCharacter, bool, error)
	Set(ctx context.Context, channelID string, c activeCharacter) error
}

// memoryChannels keeps the choices in the process: they are lost on restart.
type memoryChannels struct {
	mu     sync.RWMutex
	active map[string]activeCharacter
}

func newMemoryChannels() *memoryChannels {
	return &memoryChannels{active: map[string]activeCharacter{}}
}

func (m *memoryChannels) Get(_ context.Context, channelID string) (activeCharacter, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c, ok := m.active[channelID]
	return c, ok, nil
}

func (m *memoryChannels) Set(_ context.Context, channelID string, c activeCharacter) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.active[channelID] = c
	return nil
}

// redisChannels keeps the choices in Redis, one key per channel, without
// expiry: they survive restarts of the bot.
type redisChannels struct {
	client *redis.Client
	prefix string
}

func (r *redisChannels) Get(ctx context.Context, channelID string) (activeCharacter, bool, error) {
	raw, err := r.client.Get(ctx, r.prefix+channelID).Bytes()
	if errors.Is(err, redis.Nil) {
		return activeCharacter{}, false, nil
	}
	if err != nil {
		return activeCharacter{}, false, fmt.Errorf("read the active character from redis: %w", err)
	}
	var c activeCharacter
	if err := json.Unmarshal(raw, &c); err != nil {
		return activeCharacter{}, false, fmt.Errorf("decode the active character of channel %s: %w", channelID, err)
	}
	return c, true, nil
}

func (r *redisChannels) Set(ctx context.Context, channelID string, c activeCharacter) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode the active character: %w", err)
	}
	if err := r.client.Set(ctx, r.prefix+channelID, raw, 0).Err(); err != nil {
		return fmt.Errorf("store the active character in redis: %w", err)
	}
	return nil
}
