package mcpserver

import "sync"

// maxCachedNames bounds the name cache; when it is full it starts over.
const maxCachedNames = 4096

// characterNames remembers the ID each character name resolved to, so that
// addressing a character by name, which clients usually do, costs one lookup
// by primary key instead of a failed lookup by ID and one by name. The
// caller checks a hit against the name of the row it finds, so a rename or
// delete made elsewhere (another replica, charsimctl) costs only a miss.
//
// A hit skips the lookup by ID that gives an ID precedence over a name. It
// can only matter if a character is later given, as its ID, another
// character's cached name, which only an import of caller-chosen IDs can do.
type characterNames struct {
	mu  sync.Mutex
	ids map[string]string
}

func (n *characterNames) lookup(name string) (id string, ok bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	id, ok = n.ids[name]
	return id, ok
}

func (n *characterNames) remember(name, id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ids == nil || len(n.ids) >= maxCachedNames {
		n.ids = map[string]string{}
	}
	n.ids[name] = id
}

func (n *characterNames) forget(name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.ids, name)
}
