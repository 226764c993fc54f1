/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the API server is and how to prove who we are: a kubeconfig file,
 * the in-cluster ServiceAccount, or --master alone, chosen as kube-proxy
 * chooses (cmd/kube-proxy/app/server.go createClient).
 */
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace kipvs::proxy {

/* One API server and the credentials for it; every file already read but the token's. */
struct ClientConfig {
	/*
	 * "https://host:port" or "http://host:port": host an IPv4 address, a
	 * bracketed IPv6 literal or a DNS name; the port is always written (the
	 * scheme's default when the URL had none). A path prefix the URL had
	 * (an API server behind a proxy at /k8s/clusters/x) follows, without a
	 * trailing slash; a query or fragment is dropped.
	 */
	std::string server;
	/* PEM bytes; empty: the system's CAs. */
	std::string caData;
	bool insecureSkipTlsVerify = false;
	/* The name to verify the server's certificate against (and send as SNI); empty: server's host. */
	std::string tlsServerName;
	/* PEM bytes; both or neither. */
	std::string clientCertData;
	std::string clientKeyData;
	/* Bearer token given inline; tokenFile, once read, wins over it (TokenSource). */
	std::string token;
	/* Absolute or as given; re-read while running, so kept as a path. */
	std::string tokenFile;
	/* For messages: "kubeconfig /etc/kp.conf context ctx user u", "in-cluster config", ... */
	std::string origin;
};

/* What in-cluster configuration reads: the environment, and the ServiceAccount's files. */
struct InClusterEnvironment {
	std::string serviceHost;
	std::string servicePort;
	std::string tokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token";
	std::string caPath = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

	/* KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT of this process, the usual paths. */
	static InClusterEnvironment fromProcess();
};

/*
 * The cluster and user of a kubeconfig's current-context. Certificates,
 * keys and the CA given by path are read here (relative paths against the
 * kubeconfig's directory, as kubectl resolves them); a tokenFile is resolved
 * and, when there is no inline token, checked to hold one. Exec credential
 * plugins, auth-provider, username/password and impersonation are refused.
 * An http:// server gets no credentials and no TLS settings (client-go
 * sends none over plain HTTP). Every error names the file, the entry and
 * the cause.
 */
Result<ClientConfig> parseKubeconfig(std::string_view text, const std::string &path);

/*
 * client-go's rest.InClusterConfig: https://KUBERNETES_SERVICE_HOST:PORT
 * (an IPv6 host bracketed), the CA read from caPath, tokenFile = tokenPath
 * (which must hold a token now).
 */
Result<ClientConfig> inClusterConfig(const InClusterEnvironment &env);

/*
 * kube-proxy's choice: neither --kubeconfig nor --master: in-cluster;
 * --master alone: that server, no credentials; a kubeconfig: its current
 * context, with master (when given) as the server and its tls-server-name
 * dropped. $KUBECONFIG and ~/.kube/config are never read. A kubeconfig
 * that selects nothing (empty, or no current-context) gives master alone
 * when master is given, else in-cluster when that is possible (the host,
 * the port and the token file are there), as client-go falls back.
 */
Result<ClientConfig> loadClientConfig(const std::string &kubeconfigPath, const std::string &master,
				      const InClusterEnvironment &env);

/* A whole file's bytes; Error(errno, "read", path). For TokenSource too. */
Result<std::string> readFile(const std::string &path);

} /* namespace kipvs::proxy */
