# Caddy in front of the Weltgewebe platform on Nomad: TLS, HTTP/3, zstd/gzip, cache headers and a
# reverse proxy with active health checks to every node the catalogue lists (service
# "weltgewebe-api" of deploy/nomad/platform.nomad.hcl). The configuration is deploy/caddy/Caddyfile
# itself, read when the job is submitted — run `nomad job run` from the repository root:
#
#   nomad job run -var site=weltgewebe.example deploy/nomad/proxy.nomad.hcl
#
# docs/deployment.md explains it; validate with deploy/nomad/validate.

variable "site" {
  type        = string
  description = "The public host name: Caddy obtains its certificate (ACME) and serves h1, h2 and h3."
}

variable "frontend" {
  type        = string
  default     = "127.0.0.1:3000"
  description = "The server-rendered frontend (host:port) for every path that is not the API."
}

job "weltgewebe-proxy" {
  datacenters = ["dc1"]
  # one Caddy on every client that carries the ingress class
  type = "system"

  constraint {
    attribute = "${meta.ingress}"
    value     = "true"
  }

  group "caddy" {
    network {
      # 443 is TCP for h1/h2 and UDP for h3 (QUIC): the task binds both on the host
      port "http" {
        static = 80
      }
      port "https" {
        static = 443
      }
    }

    # certificates and the ACME account outlive the allocation
    volume "caddy-data" {
      type      = "host"
      source    = "caddy-data"
      read_only = false
    }

    service {
      name     = "weltgewebe-proxy"
      port     = "https"
      provider = "nomad"

      check {
        type     = "tcp"
        interval = "10s"
        timeout  = "2s"
      }
    }

    # Debian's caddy on the client hosts (2.6, as this repository tests it)
    task "caddy" {
      driver = "exec"

      config {
        command = "/usr/bin/caddy"
        args    = ["run", "--config", "local/Caddyfile", "--adapter", "caddyfile"]
      }

      volume_mount {
        volume      = "caddy-data"
        destination = "/var/lib/caddy"
      }

      template {
        destination = "local/Caddyfile"
        data        = file("deploy/caddy/Caddyfile")
      }

      # the nodes from the catalogue; a change reloads Caddy without dropping its SSE streams and
      # WebSockets (the reload reads the new list from this file, not from the task's environment)
      template {
        destination   = "local/upstreams.env"
        env           = true
        change_mode   = "script"
        change_script {
          command = "/bin/sh"
          args    = ["-c", "set -a; . local/upstreams.env; exec /usr/bin/caddy reload --config local/Caddyfile --adapter caddyfile --address 127.0.0.1:2019"]
        }
        data = <<-EOT
          WELTGEWEBE_UPSTREAMS="{{ range nomadService "weltgewebe-api" }}{{ .Address }}:{{ .Port }} {{ end }}"
        EOT
      }

      env {
        WELTGEWEBE_SITE     = var.site
        WELTGEWEBE_FRONTEND = var.frontend
        CADDY_ADMIN         = "127.0.0.1:2019"
        CADDY_ACCESS_LOG    = "${NOMAD_ALLOC_DIR}/logs/caddy-access.log"
        XDG_DATA_HOME       = "/var/lib/caddy"
        XDG_CONFIG_HOME     = "/var/lib/caddy"
      }

      resources {
        cpu    = 1000
        memory = 256
      }
    }
  }
}
