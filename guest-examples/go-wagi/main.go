// A WAGI handler in plain Go: the standard library's net/http/cgi reads the request from the
// CGI environment and stdin that a WAGI host gives a WASI command, and writes the handler's
// response to stdout. Built with the Go toolchain alone (GOOS=wasip1 GOARCH=wasm go build).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cgi"
	"os"
	"runtime"
	"sort"
	"strings"
)

type greeting struct {
	Name  string `json:"name"`
	Times int    `json:"times"`
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello/{name}", hello)
	mux.HandleFunc("POST /echo", echo)
	mux.HandleFunc("POST /greet", greet)
	mux.HandleFunc("GET /env", env)
	mux.HandleFunc("GET /file/{name}", file)
	mux.HandleFunc("GET /exit/{code}", exit)
	if err := cgi.Serve(mux); err != nil {
		fmt.Fprintln(os.Stderr, "go-wagi:", err)
		os.Exit(1)
	}
}

func hello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "Hello, %s, from Go %s!\n", r.PathValue("name"), strings.TrimPrefix(runtime.Version(), "go"))
}

func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "cannot read the body: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
	w.Header().Set("X-Body-Length", fmt.Sprint(len(body)))
	w.Write(body)
}

func greet(w http.ResponseWriter, r *http.Request) {
	var g greeting
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		http.Error(w, `expected a JSON body like {"name": "...", "times": 2}: `+err.Error(), http.StatusBadRequest)
		return
	}
	if g.Name == "" || g.Times < 1 || g.Times > 10 {
		http.Error(w, "name must be non-empty and times between 1 and 10", http.StatusUnprocessableEntity)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"greeting": strings.TrimSpace(strings.Repeat("hi "+g.Name+" ", g.Times))})
}

// env answers the CGI variables the handler was given, as a JSON object.
func env(w http.ResponseWriter, r *http.Request) {
	vars := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"vars": vars, "args": os.Args, "query": r.URL.Query(), "host": r.Host})
}

// file reads one of the component's files, which the host preopens read-only at /.
func file(w http.ResponseWriter, r *http.Request) {
	data, err := os.ReadFile("/static/" + r.PathValue("name"))
	if errors.Is(err, os.ErrNotExist) {
		http.Error(w, "no such file: "+r.PathValue("name"), http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Write(data)
}

// exit ends the command with the given status before writing anything: the host answers 500.
func exit(w http.ResponseWriter, r *http.Request) {
	var code int
	if _, err := fmt.Sscan(r.PathValue("code"), &code); err != nil {
		http.Error(w, "the exit code must be a number", http.StatusBadRequest)
		return
	}
	fmt.Fprintf(os.Stderr, "go-wagi: exiting with %d on purpose\n", code)
	os.Exit(code)
}
