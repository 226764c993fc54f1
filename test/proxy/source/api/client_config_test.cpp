/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubeconfig, in-cluster and --master configuration: real files in a
 * temporary directory, real parsing, and every refusal's message.
 */
#include <catch2/catch.hpp>

#include <cerrno>
#include <filesystem>
#include <string>

#include "proxy/source/api/client_config.h"
#include "temp_dir.h"

using namespace kipvs;
using namespace kipvs::proxy;
using kipvs::proxy::test::ScratchDir;

namespace {

const std::string kCaPem = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const std::string kCaBase64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K";
const std::string kCa22Pem = "-----BEGIN CERTIFICATE-----\nCA22\n-----END CERTIFICATE-----\n";
const std::string kCa22Base64 =
	"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBMjIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";
const std::string kCertPem = "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n";
const std::string kCertBase64 =
	"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNMSUVOVAotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==";
const std::string kKeyPem = "-----BEGIN EC PRIVATE KEY-----\nKEY\n-----END EC PRIVATE KEY-----\n";
const std::string kKeyBase64 =
	"LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCktFWQotLS0tLUVORCBFQyBQUklWQVRFIEtFWS0tLS0tCg==";

/*
 * One cluster "c", one user "u" and the current context "ctx" of them;
 * cluster and user are the lines of their maps, indented by four.
 */
std::string kubeconfig(const std::string &cluster, const std::string &user)
{
	return "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n" + cluster +
	       "users:\n- name: u\n  user:\n" + user +
	       "contexts:\n- name: ctx\n  context: {cluster: c, user: u}\ncurrent-context: ctx\n";
}

const std::string kServer = "    server: https://10.0.0.1:6443\n";

/* "ok", or the error's message. */
std::string outcome(const Result<ClientConfig> &result)
{
	return result ? std::string("ok") : result.error().message();
}

std::string parsed(const ScratchDir &dir, const std::string &text)
{
	return outcome(parseKubeconfig(text, dir / "kubeconfig"));
}

/* The error message for a kubeconfig in dir: "kubeconfig DIR/kubeconfig: " + cause + ": Invalid argument". */
std::string invalid(const ScratchDir &dir, const std::string &cause)
{
	return "kubeconfig " + (dir / "kubeconfig") + ": " + cause + ": Invalid argument";
}

/* An in-cluster environment whose token and CA files are in dir. */
InClusterEnvironment fakeCluster(const ScratchDir &dir, const std::string &host = "10.96.0.1")
{
	InClusterEnvironment env;
	env.serviceHost = host;
	env.servicePort = "443";
	env.tokenPath = dir.write("sa/token", "sa-token\n");
	env.caPath = dir.write("sa/ca.crt", kCaPem);
	return env;
}

} /* namespace */

TEST_CASE("a kubeconfig with every credential inline", "[client-config]")
{
	ScratchDir dir;
	Result<ClientConfig> config = parseKubeconfig(
		kubeconfig(kServer + "    certificate-authority-data: " + kCaBase64 +
				   "\n    tls-server-name: api.internal\n",
			   "    client-certificate-data: " + kCertBase64 +
				   "\n    client-key-data: " + kKeyBase64 + "\n    token: abc.def\n"),
		"/etc/kubernetes/proxy.conf");
	REQUIRE(outcome(config) == "ok");
	CHECK(config->server == "https://10.0.0.1:6443");
	CHECK(config->caData == kCaPem);
	CHECK(config->tlsServerName == "api.internal");
	CHECK_FALSE(config->insecureSkipTlsVerify);
	CHECK(config->clientCertData == kCertPem);
	CHECK(config->clientKeyData == kKeyPem);
	CHECK(config->token == "abc.def");
	CHECK(config->tokenFile.empty());
	CHECK(config->origin == "kubeconfig /etc/kubernetes/proxy.conf context ctx user u");
}

TEST_CASE("base64 with one or two padding characters, or broken over lines", "[client-config]")
{
	ScratchDir dir;
	std::string folded = kCa22Base64.substr(0, 20) + "\n      " + kCa22Base64.substr(20);
	Result<ClientConfig> config = parseKubeconfig(
		kubeconfig(kServer + "    certificate-authority-data: |\n      " + folded + "\n",
			   "    client-certificate-data: " + kCertBase64 +
				   "\n    client-key-data: " + kKeyBase64 + "\n"),
		dir / "kubeconfig");
	REQUIRE(outcome(config) == "ok");
	CHECK(config->caData == kCa22Pem);
	CHECK(config->clientCertData == kCertPem);
}

TEST_CASE("files referenced by relative and absolute paths are read; tokenFile stays a path",
	  "[client-config]")
{
	ScratchDir dir;
	dir.write("conf/ca.crt", kCaPem);
	dir.write("certs/client.crt", kCertPem);
	const std::string key = dir.write("elsewhere/client.key", kKeyPem);
	dir.write("conf/secrets/token", "file-token\n");
	const std::string path = dir.write(
		"conf/kubeconfig",
		kubeconfig(kServer + "    certificate-authority: ca.crt\n",
			   "    client-certificate: ../certs/client.crt\n    client-key: " + key +
				   "\n    tokenFile: ./secrets/token\n"));

	Result<ClientConfig> config = loadClientConfig(path, "", {});
	REQUIRE(outcome(config) == "ok");
	CHECK(config->caData == kCaPem);
	CHECK(config->clientCertData == kCertPem);
	CHECK(config->clientKeyData == kKeyPem);
	CHECK(config->token.empty());
	CHECK(config->tokenFile == dir / "conf/secrets/token");
	CHECK(config->origin == "kubeconfig " + path + " context ctx user u");
}

TEST_CASE("a kubeconfig in JSON", "[client-config]")
{
	ScratchDir dir;
	Result<ClientConfig> config = parseKubeconfig(R"({
  "apiVersion": "v1", "kind": "Config", "current-context": "ctx",
  "clusters": [ { "name": "c", "cluster": { "server": "https://api.example.com",
                                            "insecure-skip-tls-verify": true } } ],
  "users": [ { "name": "u", "user": { "token": "t" } } ],
  "contexts": [ { "name": "ctx", "context": { "cluster": "c", "user": "u" } } ]
})",
						      dir / "kubeconfig");
	REQUIRE(outcome(config) == "ok");
	CHECK(config->server == "https://api.example.com:443");
	CHECK(config->insecureSkipTlsVerify);
	CHECK(config->token == "t");
}

TEST_CASE("server URLs: IPv4, IPv6 literals, DNS names, default ports, path prefixes",
	  "[client-config]")
{
	ScratchDir dir;
	auto server = [&](const std::string &url) {
		Result<ClientConfig> config =
			parseKubeconfig(kubeconfig("    server: " + url + "\n", ""), dir / "kubeconfig");
		return config ? config->server : config.error().message();
	};
	CHECK(server("https://10.0.0.1:6443") == "https://10.0.0.1:6443");
	CHECK(server("https://[fd00::1]:6443") == "https://[fd00::1]:6443");
	CHECK(server("https://[::1]") == "https://[::1]:443");
	CHECK(server("HTTPS://Api.Example.com:6443/") == "https://Api.Example.com:6443");
	CHECK(server("https://rancher.example/k8s/clusters/c-1/?x=1#y") ==
	      "https://rancher.example:443/k8s/clusters/c-1");
	CHECK(server("http://127.0.0.1:8080") == "http://127.0.0.1:8080");
	CHECK(server("http://localhost") == "http://localhost:80");

	const std::string cluster = "cluster \"c\": server ";
	CHECK(server("10.0.0.1:6443") ==
	      invalid(dir, cluster + "\"10.0.0.1:6443\" is not an https:// or http:// URL"));
	CHECK(server("ftp://10.0.0.1") ==
	      invalid(dir, cluster + "\"ftp://10.0.0.1\" is not an https:// or http:// URL"));
	CHECK(server("https://fd00::1:6443") ==
	      invalid(dir, cluster + "\"https://fd00::1:6443\" has an IPv6 address without "
				     "brackets (write https://[address]:port)"));
	CHECK(server("https://[fd00::zz]:6443") ==
	      invalid(dir, cluster + "\"https://[fd00::zz]:6443\" has an invalid IPv6 address "
				     "\"fd00::zz\""));
	CHECK(server("https://[10.0.0.1]") ==
	      invalid(dir, cluster + "\"https://[10.0.0.1]\" has an invalid IPv6 address "
				     "\"10.0.0.1\""));
	CHECK(server("https://[fd00::1") ==
	      invalid(dir, cluster + "\"https://[fd00::1\" has no ']' after its IPv6 address"));
	CHECK(server("https://[fd00::1]x") ==
	      invalid(dir, cluster + "\"https://[fd00::1]x\" has text after its IPv6 address"));
	CHECK(server("https://:6443") == invalid(dir, cluster + "\"https://:6443\" has no host"));
	CHECK(server("https://a b:6443") ==
	      invalid(dir, cluster + "\"https://a b:6443\" has an invalid host \"a b\""));
	CHECK(server("https://api:0") == invalid(dir, cluster + "\"https://api:0\" has an invalid port \"0\""));
	CHECK(server("https://api:65536") ==
	      invalid(dir, cluster + "\"https://api:65536\" has an invalid port \"65536\""));
	CHECK(server("https://api:+1") == invalid(dir, cluster + "\"https://api:+1\" has an invalid port \"+1\""));
	CHECK(server("https://admin@api") ==
	      invalid(dir, cluster + "\"https://admin@api\" has a user name in it, which is not supported"));
	CHECK(server("\"\"") == invalid(dir, "cluster \"c\": no server"));
}

TEST_CASE("current-context selects its cluster and user among several", "[client-config]")
{
	ScratchDir dir;
	const std::string text = R"(
clusters:
- name: prod
  cluster: { server: "https://prod:6443", certificate-authority-data: )" + kCaBase64 + R"( }
- name: staging
  cluster: { server: "https://[2001:db8::10]:6443", certificate-authority-data: )" + kCa22Base64 + R"( }
users:
- name: admin
  user: { token: admin-token }
- name: proxy
  user: { token: proxy-token }
contexts:
- name: prod-admin
  context: { cluster: prod, user: admin }
- name: staging-proxy
  context: { cluster: staging, user: proxy, namespace: kube-system }
current-context: staging-proxy
)";
	Result<ClientConfig> config = parseKubeconfig(text, dir / "kubeconfig");
	REQUIRE(outcome(config) == "ok");
	CHECK(config->server == "https://[2001:db8::10]:6443");
	CHECK(config->caData == kCa22Pem);
	CHECK(config->token == "proxy-token");
	CHECK(config->origin == "kubeconfig " + (dir / "kubeconfig") + " context staging-proxy user proxy");
}

TEST_CASE("a context without a user gives no credentials", "[client-config]")
{
	ScratchDir dir;
	Result<ClientConfig> config = parseKubeconfig(R"(
clusters: [ { name: c, cluster: { server: "https://api:6443" } } ]
contexts: [ { name: ctx, context: { cluster: c } } ]
current-context: ctx
)",
						      dir / "kubeconfig");
	REQUIRE(outcome(config) == "ok");
	CHECK(config->server == "https://api:6443");
	CHECK(config->token.empty());
	CHECK(config->clientCertData.empty());
	CHECK(config->origin == "kubeconfig " + (dir / "kubeconfig") + " context ctx user (none)");
}

TEST_CASE("an http:// server gets no credentials and no TLS settings, as in client-go",
	  "[client-config]")
{
	ScratchDir dir;
	Result<ClientConfig> config = parseKubeconfig(
		kubeconfig("    server: http://127.0.0.1:8080\n    certificate-authority-data: " +
				   kCaBase64 + "\n    tls-server-name: api\n",
			   "    token: secret\n    tokenFile: /nonexistent/token\n"),
		dir / "kubeconfig");
	REQUIRE(outcome(config) == "ok");
	CHECK(config->server == "http://127.0.0.1:8080");
	CHECK(config->caData.empty());
	CHECK(config->tlsServerName.empty());
	CHECK(config->token.empty());
	CHECK(config->tokenFile.empty());
	CHECK(config->origin == "kubeconfig " + (dir / "kubeconfig") +
					" context ctx user u, plain HTTP: no credentials");
}

TEST_CASE("--master overrides the kubeconfig's server and drops its tls-server-name",
	  "[client-config]")
{
	ScratchDir dir;
	const std::string path = dir.write(
		"kubeconfig",
		kubeconfig(kServer + "    certificate-authority-data: " + kCaBase64 +
				   "\n    tls-server-name: api.internal\n",
			   "    token: abc\n"));
	Result<ClientConfig> config = loadClientConfig(path, "https://[fd00::5]:8443/", {});
	REQUIRE(outcome(config) == "ok");
	CHECK(config->server == "https://[fd00::5]:8443");
	CHECK(config->caData == kCaPem);
	CHECK(config->tlsServerName.empty());
	CHECK(config->token == "abc");
	CHECK(config->origin == "kubeconfig " + path + " context ctx user u, server from --master");

	SECTION("a cluster without a server, or a context without a cluster, is fine then")
	{
		const std::string noServer =
			dir.write("no-server", kubeconfig("    certificate-authority-data: " + kCaBase64 + "\n",
							  "    token: abc\n"));
		CHECK(outcome(loadClientConfig(noServer, "https://api:6443", {})) == "ok");
		CHECK(outcome(loadClientConfig(noServer, "", {})) ==
		      "kubeconfig " + noServer + ": cluster \"c\": no server: Invalid argument");
		const std::string noCluster = dir.write("no-cluster", R"(
users: [ { name: u, user: { token: abc } } ]
contexts: [ { name: ctx, context: { user: u } } ]
current-context: ctx
)");
		Result<ClientConfig> master = loadClientConfig(noCluster, "https://api:6443", {});
		REQUIRE(outcome(master) == "ok");
		CHECK(master->server == "https://api:6443");
		CHECK(master->token == "abc");
		CHECK(outcome(loadClientConfig(noCluster, "", {})) ==
		      "kubeconfig " + noCluster + ": context \"ctx\": names no cluster: Invalid argument");
	}
	SECTION("an invalid --master is named as such")
	{
		CHECK(outcome(loadClientConfig(path, "api:6443", {})) ==
		      "--master: server \"api:6443\" is not an https:// or http:// URL: Invalid argument");
	}
}

TEST_CASE("--master alone: that server and no credentials", "[client-config]")
{
	ScratchDir dir;
	Result<ClientConfig> config = loadClientConfig("", "https://10.0.0.1:6443", fakeCluster(dir));
	REQUIRE(outcome(config) == "ok");
	CHECK(config->server == "https://10.0.0.1:6443");
	CHECK(config->caData.empty());
	CHECK(config->token.empty());
	CHECK(config->tokenFile.empty());
	CHECK(config->origin == "--master https://10.0.0.1:6443");
}

TEST_CASE("in-cluster configuration from the environment and the ServiceAccount files",
	  "[client-config]")
{
	ScratchDir dir;
	InClusterEnvironment env = fakeCluster(dir);

	Result<ClientConfig> config = inClusterConfig(env);
	REQUIRE(outcome(config) == "ok");
	CHECK(config->server == "https://10.96.0.1:443");
	CHECK(config->caData == kCaPem);
	CHECK(config->token.empty());
	CHECK(config->tokenFile == env.tokenPath);
	CHECK(config->origin == "in-cluster config");

	SECTION("neither --kubeconfig nor --master is in-cluster")
	{
		Result<ClientConfig> loaded = loadClientConfig("", "", env);
		REQUIRE(outcome(loaded) == "ok");
		CHECK(loaded->server == "https://10.96.0.1:443");
		CHECK(loaded->tokenFile == env.tokenPath);
	}
	SECTION("an IPv6 service host is bracketed")
	{
		env.serviceHost = "fd00:10:96::1";
		env.servicePort = "6443";
		CHECK(inClusterConfig(env)->server == "https://[fd00:10:96::1]:6443");
	}
	SECTION("unset variables are named")
	{
		env.serviceHost.clear();
		CHECK(outcome(inClusterConfig(env)) ==
		      "in-cluster config: KUBERNETES_SERVICE_HOST not set (outside a cluster, give "
		      "--kubeconfig or --master): Invalid argument");
		env.servicePort.clear();
		CHECK(outcome(inClusterConfig(env)) ==
		      "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT not set "
		      "(outside a cluster, give --kubeconfig or --master): Invalid argument");
		env.serviceHost = "10.96.0.1";
		CHECK(outcome(loadClientConfig("", "", env)) ==
		      "in-cluster config: KUBERNETES_SERVICE_PORT not set (outside a cluster, give "
		      "--kubeconfig or --master): Invalid argument");
	}
	SECTION("a bad port")
	{
		env.servicePort = "https";
		CHECK(outcome(inClusterConfig(env)) ==
		      "in-cluster config: KUBERNETES_SERVICE_HOST/PORT: server \"https://10.96.0.1:https\" "
		      "has an invalid port \"https\": Invalid argument");
	}
	SECTION("the token must be there and not empty")
	{
		dir.write("sa/token", " \n");
		CHECK(outcome(inClusterConfig(env)) == "in-cluster config: ServiceAccount: token file " +
								env.tokenPath + " is empty: No data available");
		std::filesystem::remove(env.tokenPath);
		CHECK(outcome(inClusterConfig(env)) == "in-cluster config: ServiceAccount: token file: read " +
								env.tokenPath + ": No such file or directory");
	}
	SECTION("the CA must be there and PEM")
	{
		dir.write("sa/ca.crt", "garbage");
		CHECK(outcome(inClusterConfig(env)) == "in-cluster config: ServiceAccount CA " + env.caPath +
								" is not PEM (it has no -----BEGIN line): Invalid argument");
		std::filesystem::remove(env.caPath);
		CHECK(outcome(inClusterConfig(env)) == "in-cluster config: ServiceAccount CA: read " +
								env.caPath + ": No such file or directory");
	}
}

TEST_CASE("a kubeconfig that selects nothing falls back as client-go does", "[client-config]")
{
	ScratchDir dir;
	InClusterEnvironment env = fakeCluster(dir);
	const std::string empty = dir.write("empty", "");
	const std::string noContext = dir.write("no-context", "clusters: []\nusers: []\ncontexts: []\n");

	SECTION("to in-cluster when that is possible")
	{
		Result<ClientConfig> config = loadClientConfig(noContext, "", env);
		REQUIRE(outcome(config) == "ok");
		CHECK(config->server == "https://10.96.0.1:443");
		CHECK(config->tokenFile == env.tokenPath);
		CHECK(config->origin == "in-cluster config (kubeconfig " + noContext + " has no current-context)");
		CHECK(outcome(loadClientConfig(empty, "", env)) == "ok");
	}
	SECTION("to --master alone when it is given")
	{
		Result<ClientConfig> config = loadClientConfig(empty, "https://api:6443", env);
		REQUIRE(outcome(config) == "ok");
		CHECK(config->server == "https://api:6443");
		CHECK(config->tokenFile.empty());
		CHECK(config->origin == "--master https://api:6443 (kubeconfig " + empty + " has no current-context)");
	}
	SECTION("else it is an error")
	{
		env.serviceHost.clear();
		CHECK(outcome(loadClientConfig(noContext, "", env)) ==
		      "kubeconfig " + noContext + ": no current-context: Invalid argument");
		env.serviceHost = "10.96.0.1";
		std::filesystem::remove(env.tokenPath);
		CHECK(outcome(loadClientConfig(empty, "", env)) ==
		      "kubeconfig " + empty + ": no current-context: Invalid argument");
	}
	SECTION("parseKubeconfig itself never falls back")
	{
		CHECK(outcome(parseKubeconfig("", dir / "kubeconfig")) == invalid(dir, "no current-context"));
		CHECK(parsed(dir, "current-context: \"\"\n") == invalid(dir, "no current-context"));
	}
}

TEST_CASE("credentials that kipvs does not implement are refused, naming the user",
	  "[client-config]")
{
	ScratchDir dir;
	CHECK(parsed(dir, kubeconfig(kServer, R"(    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
      args: [eks, get-token]
)")) == invalid(dir, "user \"u\": exec credential plugins are not supported (command \"aws\"); "
			     "give the user a token, tokenFile or client certificate"));
	CHECK(parsed(dir, kubeconfig(kServer, "    auth-provider: { name: gcp, config: {} }\n")) ==
	      invalid(dir, "user \"u\": auth-provider \"gcp\" is not supported; give the user a token, "
			   "tokenFile or client certificate"));
	CHECK(parsed(dir, kubeconfig(kServer, "    username: admin\n    password: secret\n")) ==
	      invalid(dir, "user \"u\": username/password (basic authentication) is not supported"));
	CHECK(parsed(dir, kubeconfig(kServer, "    password: secret\n")) ==
	      invalid(dir, "user \"u\": username/password (basic authentication) is not supported"));
	CHECK(parsed(dir, kubeconfig(kServer, "    token: t\n    as: system:admin\n")) ==
	      invalid(dir, "user \"u\": impersonation (as) is not supported"));
	CHECK(parsed(dir, kubeconfig(kServer, "    token: t\n    as-groups: [system:masters]\n")) ==
	      invalid(dir, "user \"u\": impersonation (as-groups) is not supported"));
	CHECK(parsed(dir, kubeconfig(kServer + "    proxy-url: http://proxy:3128\n", "")) ==
	      invalid(dir, "cluster \"c\": proxy-url is not supported"));
	/* A null exec is no exec. */
	CHECK(parsed(dir, kubeconfig(kServer, "    exec: null\n    token: t\n")) == "ok");
}

TEST_CASE("errors in the choice of context, cluster and user name the entry", "[client-config]")
{
	ScratchDir dir;
	const std::string lists = R"(
clusters: [ { name: c, cluster: { server: "https://api:6443" } } ]
users: [ { name: u, user: { token: t } } ]
contexts:
- { name: ctx, context: { cluster: c, user: u } }
- { name: lost-cluster, context: { cluster: gone, user: u } }
- { name: lost-user, context: { cluster: c, user: nobody } }
)";
	CHECK(parsed(dir, lists + "current-context: ctx\n") == "ok");
	CHECK(parsed(dir, lists + "current-context: other\n") ==
	      invalid(dir, "current-context \"other\" is not in contexts"));
	CHECK(parsed(dir, lists + "current-context: lost-cluster\n") ==
	      invalid(dir, "context \"lost-cluster\": cluster \"gone\" is not in clusters"));
	CHECK(parsed(dir, lists + "current-context: lost-user\n") ==
	      invalid(dir, "context \"lost-user\": user \"nobody\" is not in users"));
	CHECK(parsed(dir, lists + "- { name: ctx, context: {} }\ncurrent-context: ctx\n") ==
	      invalid(dir, "two contexts are named \"ctx\""));
	CHECK(parsed(dir, lists + "current-context: [a]\n") ==
	      invalid(dir, "current-context: must be a string"));
}

TEST_CASE("malformed kubeconfigs: where and why", "[client-config]")
{
	ScratchDir dir;
	CHECK(parsed(dir, "clusters: [\n") ==
	      invalid(dir, "line 2, column 1: did not find expected node content (while parsing a flow "
			   "node at line 2, column 1)"));
	CHECK(parsed(dir, "- a\n- b\n") == invalid(dir, "not a kubeconfig (the document is not a map)"));
	CHECK(parsed(dir, "clusters: {}\n") == invalid(dir, "clusters: must be a list"));
	CHECK(parsed(dir, "users: [ 3 ]\n") == invalid(dir, "users[0]: must be an object"));
	CHECK(parsed(dir, "users: [ { name: u, user: [] } ]\n") ==
	      invalid(dir, "users[0].user: must be an object"));
	CHECK(parsed(dir, kubeconfig(kServer + "    insecure-skip-tls-verify: \"yes\"\n", "")) ==
	      invalid(dir, "cluster \"c\": insecure-skip-tls-verify: \"yes\" is not true or false"));
	CHECK(parsed(dir, kubeconfig(kServer, "    token: { a: b }\n")) ==
	      invalid(dir, "user \"u\": token: must be a string"));
}

TEST_CASE("certificates, keys and CAs: every way they can be wrong", "[client-config]")
{
	ScratchDir dir;
	const std::string cert = "    client-certificate-data: " + kCertBase64 + "\n";
	const std::string key = "    client-key-data: " + kKeyBase64 + "\n";

	CHECK(parsed(dir, kubeconfig(kServer + "    certificate-authority-data: not!base64\n", "")) ==
	      invalid(dir, "cluster \"c\": certificate-authority-data is not base64"));
	CHECK(parsed(dir, kubeconfig(kServer + "    certificate-authority-data: YWJjZA=\n", "")) ==
	      invalid(dir, "cluster \"c\": certificate-authority-data is not base64"));
	CHECK(parsed(dir, kubeconfig(kServer + "    certificate-authority-data: YQ==YQ==\n", "")) ==
	      invalid(dir, "cluster \"c\": certificate-authority-data is not base64"));
	CHECK(parsed(dir, kubeconfig(kServer + "    certificate-authority-data: bm90IGEgcGVt\n", "")) ==
	      invalid(dir, "cluster \"c\": certificate-authority-data is not PEM (it has no -----BEGIN "
			   "line)"));
	CHECK(parsed(dir, kubeconfig(kServer, cert + "    client-key-data: a-b_c\n")) ==
	      invalid(dir, "user \"u\": client-key-data is not base64"));
	CHECK(parsed(dir, kubeconfig(kServer, cert)) ==
	      invalid(dir, "user \"u\": client-certificate without client-key"));
	CHECK(parsed(dir, kubeconfig(kServer, key)) ==
	      invalid(dir, "user \"u\": client-key without client-certificate"));
	CHECK(parsed(dir, kubeconfig(kServer, cert + key + "    client-key: key.pem\n")) ==
	      invalid(dir, "user \"u\": both client-key and client-key-data are set"));
	CHECK(parsed(dir, kubeconfig(kServer + "    certificate-authority: ca.crt\n    "
					       "certificate-authority-data: " + kCaBase64 + "\n", "")) ==
	      invalid(dir, "cluster \"c\": both certificate-authority and certificate-authority-data are set"));
	CHECK(parsed(dir, kubeconfig(kServer + "    insecure-skip-tls-verify: true\n    "
					       "certificate-authority-data: " + kCaBase64 + "\n", "")) ==
	      invalid(dir, "cluster \"c\": insecure-skip-tls-verify and a certificate-authority are both "
			   "set (client-go refuses a CA that would not be checked)"));
	CHECK(parsed(dir, kubeconfig(kServer + "    insecure-skip-tls-verify: true\n", "")) == "ok");

	SECTION("a file that cannot be read, or is not PEM, is named with its resolved path")
	{
		CHECK(parsed(dir, kubeconfig(kServer, "    client-certificate: certs/missing.crt\n" + key)) ==
		      "kubeconfig " + (dir / "kubeconfig") + ": user \"u\": client-certificate: read " +
			      (dir / "certs/missing.crt") + ": No such file or directory");
		dir.write("ca.txt", "not a certificate\n");
		CHECK(parsed(dir, kubeconfig(kServer + "    certificate-authority: ca.txt\n", "")) ==
		      invalid(dir, "cluster \"c\": certificate-authority " + (dir / "ca.txt") +
				   " is not PEM (it has no -----BEGIN line)"));
		CHECK(parsed(dir, kubeconfig(kServer + "    certificate-authority: " + dir.path() + "\n", "")) ==
		      "kubeconfig " + (dir / "kubeconfig") + ": cluster \"c\": certificate-authority: read " +
			      dir.path() + ": Is a directory");
	}
}

TEST_CASE("a tokenFile must hold a token unless an inline token comes first", "[client-config]")
{
	ScratchDir dir;
	const std::string token = dir.write("token", "");
	CHECK(parsed(dir, kubeconfig(kServer, "    tokenFile: token\n")) ==
	      "kubeconfig " + (dir / "kubeconfig") + ": user \"u\": tokenFile: token file " + token +
		      " is empty: No data available");
	CHECK(parsed(dir, kubeconfig(kServer, "    tokenFile: missing\n")) ==
	      "kubeconfig " + (dir / "kubeconfig") + ": user \"u\": tokenFile: token file: read " +
		      (dir / "missing") + ": No such file or directory");

	Result<ClientConfig> config =
		parseKubeconfig(kubeconfig(kServer, "    token: inline\n    tokenFile: missing\n"), dir / "kubeconfig");
	REQUIRE(outcome(config) == "ok");
	CHECK(config->token == "inline");
	CHECK(config->tokenFile == dir / "missing");
}

TEST_CASE("a kubeconfig that cannot be read", "[client-config]")
{
	ScratchDir dir;
	CHECK(outcome(loadClientConfig(dir / "missing", "", {})) ==
	      "kubeconfig: read " + (dir / "missing") + ": No such file or directory");
	CHECK(outcome(loadClientConfig(dir / "missing", "https://api:6443", {})) ==
	      "kubeconfig: read " + (dir / "missing") + ": No such file or directory");
}

TEST_CASE("readFile reads bytes as they are", "[client-config]")
{
	ScratchDir dir;
	std::string bytes(100000, 'x');
	bytes[5] = '\0';
	bytes.back() = '\n';
	Result<std::string> read = readFile(dir.write("big", bytes));
	REQUIRE(read.ok());
	CHECK(*read == bytes);
	CHECK(readFile(dir / "nothing").error().code() == ENOENT);
}
