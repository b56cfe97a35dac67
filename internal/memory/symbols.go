package memory

// symbol is a string interned in a symbols table.
type symbol uint32

// symbols interns the strings that many vectors share (character, user and
// channel IDs, kinds) as small numbers, counting their users so that a
// string leaves the table with its last vector (a forgotten user's ID is not
// kept). The index then holds one pointer per vector instead of five: the
// garbage collector scans every pointer of the index in each cycle, and at
// 100k vectors the five strings were most of a cycle's work, which showed
// as slow recalls while a cycle ran.
type symbols struct {
	ids   map[string]symbol
	names []string
	refs  []int32
	free  []symbol
}

func newSymbols() symbols { return symbols{ids: map[string]symbol{}} }

// acquire returns the symbol of name, adding it if needed, and counts one more user.
func (s *symbols) acquire(name string) symbol {
	id, ok := s.ids[name]
	if !ok {
		if n := len(s.free); n > 0 {
			id, s.free = s.free[n-1], s.free[:n-1]
			s.names[id] = name
		} else {
			id = symbol(len(s.names))
			s.names = append(s.names, name)
			s.refs = append(s.refs, 0)
		}
		s.ids[name] = id
	}
	s.refs[id]++
	return id
}

// release counts one user less; the last one removes the name.
func (s *symbols) release(id symbol) {
	if s.refs[id]--; s.refs[id] > 0 {
		return
	}
	delete(s.ids, s.names[id])
	s.names[id] = ""
	s.free = append(s.free, id)
}

// lookup returns the symbol of name, if some vector uses it.
func (s *symbols) lookup(name string) (symbol, bool) {
	id, ok := s.ids[name]
	return id, ok
}
