package discordfake

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway opcodes.
const (
	opDispatch     = 0
	opHeartbeat    = 1
	opIdentify     = 2
	opResume       = 6
	opReconnect    = 7
	opInvalid      = 9
	opHello        = 10
	opHeartbeatAck = 11
)

// privilegedIntents need a toggle in the developer portal (and, past 100
// servers, Discord's approval).
const privilegedIntents = discordgo.IntentGuildMembers | discordgo.IntentGuildPresences | discordgo.IntentMessageContent

// heartbeatInterval is long: tests do not run for 45 s, and the client's
// first heartbeat is sent at once anyway.
const heartbeatInterval = 45000

type frame struct {
	Op   int             `json:"op"`
	Data json.RawMessage `json:"d,omitempty"`
	Seq  int64           `json:"s,omitempty"`
	Type string          `json:"t,omitempty"`
}

// gatewayConn is one websocket connection of a client.
type gatewayConn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
}

func (c *gatewayConn) send(op int, eventType string, seq int64, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s: %w", eventType, err)
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.ws.WriteJSON(frame{Op: op, Data: raw, Seq: seq, Type: eventType})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveGateway runs the handshake, then answers heartbeats until the
// connection ends.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	refuse := s.refuse
	s.mu.Unlock()
	if refuse {
		http.Error(w, "gateway unavailable", http.StatusServiceUnavailable)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered the client already
	}
	conn := &gatewayConn{ws: ws}
	defer s.disconnected(conn)
	s.mu.Lock()
	interval := cmp.Or(int(s.heartbeatEvery.Milliseconds()), heartbeatInterval)
	s.mu.Unlock()
	if err := conn.send(opHello, "", 0, map[string]int{"heartbeat_interval": interval}); err != nil {
		return
	}
	for {
		_, raw, err := ws.ReadMessage()
		if err != nil {
			var closed *websocket.CloseError
			if errors.As(err, &closed) && (closed.Code == websocket.CloseNormalClosure || closed.Code == websocket.CloseGoingAway) {
				s.closedByClient(conn)
			}
			return
		}
		var f frame
		if err := json.Unmarshal(raw, &f); err != nil {
			_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4002, "decode error"))
			return
		}
		switch f.Op {
		case opHeartbeat:
			s.mu.Lock()
			ack := !s.noHeartbeatAcks
			s.mu.Unlock()
			if ack {
				err = conn.send(opHeartbeatAck, "", 0, nil)
			}
		case opIdentify:
			err = s.identify(conn, f.Data)
		case opResume:
			err = s.resume(conn, f.Data)
		}
		if err != nil {
			return
		}
	}
}

func (s *Server) identify(conn *gatewayConn, data json.RawMessage) error {
	// Only what the emulator checks is decoded: discordgo's own Identify
	// type does not read back every payload it writes.
	var id struct {
		Token   string           `json:"token"`
		Intents discordgo.Intent `json:"intents"`
	}
	if err := json.Unmarshal(data, &id); err != nil || id.Token != "Bot "+s.token() {
		_ = conn.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		return errors.New("authentication failed")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identifies = append(s.identifies, discordgo.Identify{Intents: id.Intents})
	// Discord closes the connection of an app that asks for a privileged
	// intent its developer portal has not turned on.
	if id.Intents&privilegedIntents&^s.PrivilegedIntents != 0 {
		_ = conn.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4014, "Disallowed intent(s)."))
		return errors.New("disallowed intents")
	}
	s.intents = id.Intents
	if s.reconnectOnIdentify > 0 {
		// Discord may ask for a reconnection at any time, also before READY.
		s.reconnectOnIdentify--
		return conn.send(opReconnect, "", 0, nil)
	}
	s.sessionID = "session-" + s.newID()
	s.seq = 1
	s.gateway = conn
	s.notify()
	// READY lists the guilds the app is in, as unavailable: their
	// GUILD_CREATE would follow.
	guilds := []any{}
	for id := range s.guilds {
		guilds = append(guilds, map[string]any{"id": id, "unavailable": true})
	}
	return conn.send(opDispatch, "READY", s.seq, map[string]any{
		"v": 9, "session_id": s.sessionID,
		"user":        map[string]any{"id": s.BotUserID, "username": "charsim", "bot": true},
		"application": map[string]any{"id": s.AppID},
		"guilds":      guilds,
	})
}

func (s *Server) resume(conn *gatewayConn, data json.RawMessage) error {
	var r struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
	}
	if err := json.Unmarshal(data, &r); err != nil || r.Token != "Bot "+s.token() {
		_ = conn.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		return errors.New("authentication failed")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.SessionID != s.sessionID {
		// Invalid session, not resumable: the client identifies again.
		return conn.send(opInvalid, "", 0, false)
	}
	s.resumes++
	s.seq++
	s.gateway = conn
	s.notify()
	return conn.send(opDispatch, "RESUMED", s.seq, map[string]any{})
}

func (s *Server) disconnected(conn *gatewayConn) {
	_ = conn.ws.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gateway == conn {
		s.gateway = nil
		s.notify()
	}
}

// Identifies returns the Identify payloads received so far (their intents).
func (s *Server) Identifies() []discordgo.Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]discordgo.Identify(nil), s.identifies...)
}

// Resumes counts the sessions resumed after a disconnection.
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// Connected reports whether a client is connected and identified.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gateway != nil
}

// WaitConnected waits until a client is connected and identified (or resumed).
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.wait(ctx, func() bool { return s.gateway != nil })
}

// DropGateway cuts the client's connection without a close frame, as a
// network failure does.
func (s *Server) DropGateway() {
	s.mu.Lock()
	conn := s.gateway
	s.mu.Unlock()
	if conn != nil {
		_ = conn.ws.UnderlyingConn().Close()
	}
}

// ReconnectOnIdentify makes the next n identifies answered with op 7
// Reconnect instead of READY.
func (s *Server) ReconnectOnIdentify(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reconnectOnIdentify = n
}

// RefuseGateway makes new gateway connections fail (true) or succeed again (false).
func (s *Server) RefuseGateway(refuse bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = refuse
}

// Dispatch sends an event to the connected client.
func (s *Server) Dispatch(eventType string, data any) error {
	s.mu.Lock()
	conn := s.gateway
	s.seq++
	seq := s.seq
	s.mu.Unlock()
	if conn == nil {
		return errors.New("no client is connected to the gateway")
	}
	return conn.send(opDispatch, eventType, seq, data)
}

// closedByClient records a close frame with 1000 or 1001 from the client:
// Discord then invalidates the session (the bot shows offline), so a
// later resume is answered with op 9 Invalid Session and the client must
// identify again. discordgo closes with 1000 also when it means to
// reconnect (after a missed heartbeat ACK, for one).
func (s *Server) closedByClient(conn *gatewayConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gateway == conn || s.gateway == nil {
		s.sessionID = ""
		s.invalidated++
		s.notify()
	}
}

// InvalidateSession sends op 9 Invalid Session to the connected client, as
// Discord does when it ends a session (d: resumable). Unless resumable,
// the session is gone: no event reaches the client until it identifies
// again, and a resume is answered with op 9 again.
func (s *Server) InvalidateSession(resumable bool) error {
	s.mu.Lock()
	conn := s.gateway
	if conn != nil && !resumable {
		s.sessionID, s.gateway = "", nil
		s.invalidated++
		s.notify()
	}
	s.mu.Unlock()
	if conn == nil {
		return errors.New("no client is connected to the gateway")
	}
	return conn.send(opInvalid, "", 0, resumable)
}

// SessionsInvalidated counts the sessions ended by op 9 or by the client's
// close with 1000 or 1001.
func (s *Server) SessionsInvalidated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.invalidated
}

// CloseGateway closes the client's connection with a close code, as
// Discord does: 4000–4009 let the client resume or identify again; 4004
// (authentication failed) and 4010–4014 are fatal, and Discord documents
// that a client must not reconnect after them.
func (s *Server) CloseGateway(code int, reason string) {
	s.mu.Lock()
	conn := s.gateway
	s.mu.Unlock()
	if conn == nil {
		return
	}
	conn.writeMu.Lock()
	_ = conn.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason))
	conn.writeMu.Unlock()
	_ = conn.ws.Close()
}

// ResetToken replaces the token the emulator accepts, as a token reset in
// the developer portal does, and closes the gateway connection with 4004
// Authentication failed: the old token can neither resume nor identify.
func (s *Server) ResetToken(token string) {
	s.mu.Lock()
	s.Token = token
	s.sessionID = ""
	s.mu.Unlock()
	s.CloseGateway(4004, "Authentication failed.")
}

// token is the token accepted now.
func (s *Server) token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Token
}

// StopHeartbeatAcks makes the gateway stop acknowledging heartbeats, as a
// stalled connection does; the client should close and reconnect.
func (s *Server) StopHeartbeatAcks(stop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noHeartbeatAcks = stop
}

// SetHeartbeatInterval changes the interval the next connections are asked
// to heartbeat at (0: the default of 45 s).
func (s *Server) SetHeartbeatInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heartbeatEvery = d
}
