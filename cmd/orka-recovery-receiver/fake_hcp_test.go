package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeHCP implements the HCP Terraform API routes go-tfe calls for the receiver: ping (at client
// creation), workspace read by name, run create and run read. Each run moves through planning
// to a final status after a few reads; the test chooses each workspace's final status.
type fakeHCP struct {
	*httptest.Server
	org, token string

	mu       sync.Mutex
	final    map[string]string // workspace name -> final status (default applied)
	hold     map[string]bool   // workspace name -> run never finishes while set
	runs     map[string]*fakeRun
	order    []string // run IDs in creation order
	events   []string // "queued WS" and "finished WS STATUS", in the order they happened
	autoOff  []string // runs created without auto-apply
	messages []string
}

type fakeRun struct {
	id, workspace, status string
	reads                 int
}

const fakeReadsToFinish = 3

func newFakeHCP(t *testing.T, org, token string, workspaces ...string) *fakeHCP {
	f := &fakeHCP{org: org, token: token, final: map[string]string{}, hold: map[string]bool{}, runs: map[string]*fakeRun{}}
	ids := map[string]string{}
	names := map[string]string{}
	for i, ws := range workspaces {
		id := fmt.Sprintf("ws-%08d", i+1)
		ids[ws], names[id] = id, ws
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/ping", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("TFP-API-Version", "2.6")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /api/v2/organizations/{org}/workspaces/{name}", func(w http.ResponseWriter, r *http.Request) {
		id, ok := ids[r.PathValue("name")]
		if r.PathValue("org") != org || !ok {
			jsonAPI(w, http.StatusNotFound, map[string]any{"errors": []map[string]string{{"status": "404", "title": "not found"}}})
			return
		}
		jsonAPI(w, http.StatusOK, map[string]any{"data": map[string]any{
			"id": id, "type": "workspaces", "attributes": map[string]any{"name": r.PathValue("name")},
		}})
	})
	mux.HandleFunc("POST /api/v2/runs", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Data struct {
				Attributes struct {
					Message   string `json:"message"`
					AutoApply *bool  `json:"auto-apply"`
				} `json:"attributes"`
				Relationships struct {
					Workspace struct {
						Data struct {
							ID string `json:"id"`
						} `json:"data"`
					} `json:"workspace"`
				} `json:"relationships"`
			} `json:"data"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("fake HCP: run create body: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		ws, ok := names[body.Data.Relationships.Workspace.Data.ID]
		if !ok {
			jsonAPI(w, http.StatusNotFound, map[string]any{"errors": []map[string]string{{"status": "404", "title": "not found"}}})
			return
		}
		f.mu.Lock()
		id := fmt.Sprintf("run-%08d", len(f.order)+1)
		f.runs[id] = &fakeRun{id: id, workspace: ws, status: "pending"}
		f.order = append(f.order, id)
		f.events = append(f.events, "queued "+ws)
		f.messages = append(f.messages, body.Data.Attributes.Message)
		if a := body.Data.Attributes.AutoApply; a == nil || !*a {
			f.autoOff = append(f.autoOff, id)
		}
		f.mu.Unlock()
		jsonAPI(w, http.StatusCreated, runDoc(id, "pending"))
	})
	mux.HandleFunc("GET /api/v2/runs/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		run, ok := f.runs[r.PathValue("id")]
		if !ok {
			f.mu.Unlock()
			jsonAPI(w, http.StatusNotFound, map[string]any{"errors": []map[string]string{{"status": "404", "title": "not found"}}})
			return
		}
		if !f.hold[run.workspace] && !runSucceeded(run.status) && !runFailed(run.status) {
			run.reads++
			run.status = "planning"
			if run.reads >= fakeReadsToFinish {
				run.status = "applied"
				if s, ok := f.final[run.workspace]; ok {
					run.status = s
				}
				f.events = append(f.events, "finished "+run.workspace+" "+run.status)
			}
		}
		status := run.status
		f.mu.Unlock()
		jsonAPI(w, http.StatusOK, runDoc(run.id, status))
	})
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			jsonAPI(w, http.StatusUnauthorized, map[string]any{"errors": []map[string]string{{"status": "401", "title": "unauthorized"}}})
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func runDoc(id, status string) map[string]any {
	return map[string]any{"data": map[string]any{"id": id, "type": "runs", "attributes": map[string]any{"status": status}}}
}

func jsonAPI(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/vnd.api+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeHCP) setFinal(ws, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.final[ws] = status
}

func (f *fakeHCP) setHold(ws string, hold bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hold[ws] = hold
}

func (f *fakeHCP) eventLog() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.events, "; ")
}

func (f *fakeHCP) created() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.order)
}
