package discordfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

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
	if err := conn.send(opHello, "", 0, map[string]int{"heartbeat_interval": heartbeatInterval}); err != nil {
		return
	}
	for {
		_, raw, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var f frame
		if err := json.Unmarshal(raw, &f); err != nil {
			_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4002, "decode error"))
			return
		}
		switch f.Op {
		case opHeartbeat:
			err = conn.send(opHeartbeatAck, "", 0, nil)
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
	if err := json.Unmarshal(data, &id); err != nil || id.Token != "Bot "+s.Token {
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
	if err := json.Unmarshal(data, &r); err != nil || r.Token != "Bot "+s.Token {
		_ = conn.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		return errors.New("authentication failed")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.SessionID != s.sessionID {
		// Invalid session, not resumable: the client identifies again.
		return conn.send(9, "", 0, false)
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
