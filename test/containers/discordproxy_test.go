//go:build containers

package containers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"
)

// discordProxy lets a bot binary in a container talk to the in-process
// Discord emulator without a line of test code in the bot: the container
// gets HTTPS_PROXY pointing here and SSL_CERT_FILE naming caPEM, and every
// HTTPS request it tunnels (discord.com's REST API) ends in the emulator,
// under a certificate for the requested name signed by a CA of this test.
// The gateway URL the emulator hands out is on 127.0.0.1, which Go never
// sends through a proxy, so the websocket goes straight to it.
type discordProxy struct {
	Addr  string // host:port of the proxy
	CAPEM []byte

	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	mu     sync.Mutex
	leaves map[string]*tls.Certificate
	inner  *http.Server
	conns  chan net.Conn
	done   chan struct{} // closed when the proxy stops
}

func startDiscordProxy(t *testing.T, emulatorURL string) *discordProxy {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "charsim container tier CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(emulatorURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &discordProxy{
		CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		ca:    ca, caKey: key, leaves: map[string]*tls.Certificate{}, conns: make(chan net.Conn), done: make(chan struct{}),
	}
	// The tunnelled connections, TLS terminated, are served by a reverse
	// proxy to the emulator.
	p.inner = &http.Server{Handler: httputil.NewSingleHostReverseProxy(target)}
	go func() { _ = p.inner.Serve(connListener{p.conns, p.done}) }()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.Addr = l.Addr().String()
	outer := &http.Server{Handler: http.HandlerFunc(p.connect)}
	go func() { _ = outer.Serve(l) }()
	t.Cleanup(func() {
		outer.Close()
		close(p.done)
		p.inner.Close()
	})
	return p
}

// connect answers CONNECT host:443 and hands the tunnel, TLS terminated
// with a certificate for host, to the inner server.
func (p *discordProxy) connect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "only CONNECT", http.StatusMethodNotAllowed)
		return
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cert, err := p.leaf(host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		conn.Close()
		return
	}
	select {
	case p.conns <- tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{*cert}, NextProtos: []string{"http/1.1"}}):
	case <-p.done:
		conn.Close()
	}
}

// leaf is a certificate for host signed by the test CA.
func (p *discordProxy) leaf(host string) (*tls.Certificate, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.leaves[host]; ok {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(len(p.leaves) + 2)), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	p.leaves[host] = c
	return c, nil
}

// connListener serves the connections sent on a channel until done closes.
type connListener struct {
	conns chan net.Conn
	done  chan struct{}
}

func (l connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}
func (l connListener) Close() error   { return nil }
func (l connListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
