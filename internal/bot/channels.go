package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// activeCharacter is a character that answers in a channel.
type activeCharacter struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Nickname is a card's nickname ({{char}} in its texts); a message
	// naming it addresses the character too.
	Nickname string `json:"nickname,omitempty"`
}

// scene is the cast of a channel: the characters that answer there, the
// lead first. /character use makes a cast of one, /character join and
// leave add and remove characters. The lead answers a message that names
// none of them.
type scene struct {
	Cast []activeCharacter `json:"cast"`
}

// lead is the character that answers when nobody is named.
func (s scene) lead() activeCharacter { return s.Cast[0] }

// index is the position of the character in the cast, or -1.
func (s scene) index(id string) int {
	return slices.IndexFunc(s.Cast, func(c activeCharacter) bool { return c.ID == id })
}

// names lists the cast for a message: "Aria, Borin".
func (s scene) names() string {
	names := make([]string, len(s.Cast))
	for i, c := range s.Cast {
		names[i] = "**" + c.Name + "**"
	}
	return strings.Join(names, ", ")
}

// channelCharacters remembers the scene of each channel. Both
// implementations (in memory, Redis) return what was last set for a channel
// and report an unset channel, or one whose cast was emptied, as not found.
//
// Update changes a channel's scene atomically: change gets the scene as it
// is (ok false when there is none) and returns the new one, and no other
// Set or Update of that channel comes in between, so two /character join
// at once both land. An error of change aborts the update and is returned
// as it is. change may run more than once (Redis retries when another
// client wrote the key meanwhile), so it must not have side effects.
type channelCharacters interface {
	Get(ctx context.Context, channelID string) (scene, bool, error)
	Set(ctx context.Context, channelID string, s scene) error
	Update(ctx context.Context, channelID string, change sceneChange) (scene, error)
}

// sceneChange computes a channel's new scene from its current one.
type sceneChange func(current scene, ok bool) (scene, error)

// memoryChannels keeps the scenes in the process: they are lost on restart.
type memoryChannels struct {
	mu     sync.RWMutex
	scenes map[string]scene
}

func newMemoryChannels() *memoryChannels {
	return &memoryChannels{scenes: map[string]scene{}}
}

func (m *memoryChannels) Get(_ context.Context, channelID string) (scene, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.scenes[channelID]
	return scene{Cast: slices.Clone(s.Cast)}, ok, nil
}

func (m *memoryChannels) Set(_ context.Context, channelID string, s scene) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(s.Cast) == 0 {
		delete(m.scenes, channelID)
		return nil
	}
	m.scenes[channelID] = scene{Cast: slices.Clone(s.Cast)}
	return nil
}

func (m *memoryChannels) Update(_ context.Context, channelID string, change sceneChange) (scene, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.scenes[channelID]
	next, err := change(scene{Cast: slices.Clone(cur.Cast)}, ok)
	if err != nil {
		return scene{}, err
	}
	if len(next.Cast) == 0 {
		delete(m.scenes, channelID)
	} else {
		m.scenes[channelID] = scene{Cast: slices.Clone(next.Cast)}
	}
	return next, nil
}

// redisChannels keeps the scenes in Redis, one key per channel, without
// expiry: they survive restarts of the bot.
type redisChannels struct {
	client *redis.Client
	prefix string
}

func (r *redisChannels) Get(ctx context.Context, channelID string) (scene, bool, error) {
	raw, err := r.client.Get(ctx, r.prefix+channelID).Bytes()
	if errors.Is(err, redis.Nil) {
		return scene{}, false, nil
	}
	if err != nil {
		return scene{}, false, fmt.Errorf("read the channel's characters from redis: %w", err)
	}
	s, err := decodeScene(raw)
	if err != nil {
		return scene{}, false, fmt.Errorf("decode the characters of channel %s: %w", channelID, err)
	}
	return s, len(s.Cast) > 0, nil
}

// decodeScene reads a stored scene, and the single active character an
// earlier version stored ({"id", "name"}) as a cast of one.
func decodeScene(raw []byte) (scene, error) {
	var v struct {
		scene
		activeCharacter
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return scene{}, err
	}
	if v.Cast == nil && v.ID != "" {
		return scene{Cast: []activeCharacter{v.activeCharacter}}, nil
	}
	return v.scene, nil
}

func (r *redisChannels) Set(ctx context.Context, channelID string, s scene) error {
	if len(s.Cast) == 0 {
		if err := r.client.Del(ctx, r.prefix+channelID).Err(); err != nil {
			return fmt.Errorf("clear the channel's characters in redis: %w", err)
		}
		return nil
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode the channel's characters: %w", err)
	}
	if err := r.client.Set(ctx, r.prefix+channelID, raw, 0).Err(); err != nil {
		return fmt.Errorf("store the channel's characters in redis: %w", err)
	}
	return nil
}

// maxSceneUpdateTries bounds how often Update retries when other clients
// keep writing the channel's key between its read and its write.
const maxSceneUpdateTries = 16

// Update reads, changes and writes the channel's key in an optimistic
// transaction (WATCH, then MULTI/EXEC), retried when another bot replica or
// command wrote the key in between.
func (r *redisChannels) Update(ctx context.Context, channelID string, change sceneChange) (scene, error) {
	key := r.prefix + channelID
	for range maxSceneUpdateTries {
		var next scene
		err := r.client.Watch(ctx, func(tx *redis.Tx) error {
			var cur scene
			ok := false
			raw, err := tx.Get(ctx, key).Bytes()
			switch {
			case errors.Is(err, redis.Nil):
			case err != nil:
				return fmt.Errorf("read the channel's characters from redis: %w", err)
			default:
				if cur, err = decodeScene(raw); err != nil {
					return fmt.Errorf("decode the characters of channel %s: %w", channelID, err)
				}
				ok = len(cur.Cast) > 0
			}
			if next, err = change(cur, ok); err != nil {
				return err
			}
			var encoded []byte
			if len(next.Cast) > 0 {
				if encoded, err = json.Marshal(next); err != nil {
					return fmt.Errorf("encode the channel's characters: %w", err)
				}
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				if encoded == nil {
					p.Del(ctx, key)
				} else {
					p.Set(ctx, key, encoded, 0)
				}
				return nil
			})
			return err
		}, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue // written meanwhile: read it again
		}
		if err != nil {
			return scene{}, err
		}
		return next, nil
	}
	return scene{}, fmt.Errorf("store the channel's characters in redis: the key changed %d times while being updated", maxSceneUpdateTries)
}
