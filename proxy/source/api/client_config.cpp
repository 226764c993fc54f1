/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API server's address and credentials: kubeconfig, in-cluster, --master.
 */
#include "proxy/source/api/client_config.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include <sys/stat.h>

#include "base/address.h"
#include "proxy/source/api/token_source.h"
#include "proxy/source/manifests/field.h"
#include "proxy/source/manifests/manifest_document.h"

namespace kipvs::proxy {

namespace {

using fields::Field;
using fields::Problem;
using fields::quote;

constexpr std::string_view kHostCharacters =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._";

/**
 * \brief An API server URL as ClientConfig::server holds it
 * \param[in] url What a kubeconfig, --master or the environment gave
 *
 * client-go would take a URL without a scheme ("10.0.0.1:6443") as plain
 * HTTP without credentials; that is refused here, as is a user name in the
 * URL and an IPv6 address without brackets.
 *
 * \return "https://host:port[/prefix]", or Error(EINVAL, "server \"url\" <why>")
 */
Result<std::string> parseServer(std::string_view url)
{
	auto bad = [&](const std::string &cause) {
		return Error(EINVAL, "server " + quote(url) + " " + cause);
	};
	const size_t separator = url.find("://");
	std::string scheme(url.substr(0, separator == std::string_view::npos ? 0 : separator));
	for (char &c : scheme)
		c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	if (scheme != "https" && scheme != "http")
		return bad("is not an https:// or http:// URL");
	std::string_view rest = url.substr(separator + 3);
	std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
	std::string_view path = rest.substr(authority.size());
	path = path.substr(0, path.find_first_of("?#"));
	while (!path.empty() && path.back() == '/')
		path.remove_suffix(1);
	if (authority.find('@') != std::string_view::npos)
		return bad("has a user name in it, which is not supported");

	std::string_view host = authority, port;
	size_t colon = authority.rfind(':');
	if (authority.starts_with('[')) {
		const size_t close = authority.find(']');
		if (close == std::string_view::npos)
			return bad("has no ']' after its IPv6 address");
		const std::string_view literal = authority.substr(1, close - 1);
		auto address = IpAddress::parse(literal);
		if (!address || !address->isV6())
			return bad("has an invalid IPv6 address " + quote(literal));
		host = authority.substr(0, close + 1);
		if (close + 1 < authority.size() && authority[close + 1] != ':')
			return bad("has text after its IPv6 address");
		colon = close + 1 < authority.size() ? close + 1 : std::string_view::npos;
	} else {
		if (colon != std::string_view::npos && authority.find(':') != colon)
			return bad("has an IPv6 address without brackets (write https://[address]:port)");
		host = authority.substr(0, colon);
		if (host.empty())
			return bad("has no host");
		if (host.find_first_not_of(kHostCharacters) != std::string_view::npos)
			return bad("has an invalid host " + quote(host));
	}
	if (colon != std::string_view::npos)
		port = authority.substr(colon + 1);
	std::string portText(port.empty() ? (scheme == "https" ? "443" : "80") : port);
	char *end = nullptr;
	const long number = std::strtol(portText.c_str(), &end, 10);
	if (portText.find_first_not_of("0123456789") != std::string::npos || *end || number < 1 ||
	    number > 65535)
		return bad("has an invalid port " + quote(portText));
	return scheme + "://" + std::string(host) + ":" + std::to_string(number) + std::string(path);
}

bool plainHttp(const std::string &server)
{
	return server.starts_with("http://");
}

/* Base64 as Go's encoding/json reads []byte: the standard alphabet, padded, line breaks skipped. */
std::optional<std::string> decodeBase64(std::string_view text)
{
	auto sextet = [](char c) {
		if (c >= 'A' && c <= 'Z')
			return c - 'A';
		if (c >= 'a' && c <= 'z')
			return c - 'a' + 26;
		if (c >= '0' && c <= '9')
			return c - '0' + 52;
		return c == '+' ? 62 : c == '/' ? 63 : -1;
	};
	std::string out;
	uint32_t bits = 0;
	int count = 0, padding = 0;
	for (char c : text) {
		if (c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			padding++;
			continue;
		}
		const int value = sextet(c);
		if (value < 0 || padding)
			return std::nullopt;
		bits = bits << 6 | static_cast<uint32_t>(value);
		if (++count == 4) {
			out += static_cast<char>(bits >> 16);
			out += static_cast<char>(bits >> 8 & 0xff);
			out += static_cast<char>(bits & 0xff);
			bits = 0;
			count = 0;
		}
	}
	if (count == 2 && padding == 2) {
		out += static_cast<char>(bits >> 4);
	} else if (count == 3 && padding == 1) {
		out += static_cast<char>(bits >> 10);
		out += static_cast<char>(bits >> 2 & 0xff);
	} else if (count != 0 || padding != 0) {
		return std::nullopt;
	}
	return out;
}

bool isPem(std::string_view text)
{
	return text.find("-----BEGIN ") != std::string_view::npos;
}

/* The first of several checks made in turn that found something wrong. */
Problem first(std::initializer_list<Problem> problems)
{
	for (const Problem &problem : problems)
		if (problem)
			return problem;
	return std::nullopt;
}

/* A clusters, users or contexts list by name: each item's inner map (nullptr when absent). */
using Entries = std::map<std::string_view, const ManifestValue *, std::less<>>;

/* One kubeconfig document to the ClientConfig of its current-context. */
class KubeconfigReader
{
public:
	/* server: --master's, already checked, which replaces the cluster's; or empty. */
	KubeconfigReader(const std::string &path, const std::string &server)
		: path_(path), server_(server)
	{
		std::error_code error;
		std::filesystem::path absolute = std::filesystem::absolute(path, error);
		directory_ = (error ? std::filesystem::path(path) : absolute).parent_path();
	}

	/* nullopt: the kubeconfig selects nothing (an empty one, or no current-context). */
	Result<std::optional<ClientConfig>> read(const ManifestValue &document) const;

private:
	Error invalid(const std::string &cause) const
	{
		return Error(EINVAL, "kubeconfig " + path_ + ": " + cause);
	}
	/* An Error of a lower layer (a file, a URL), said of this file's entry. */
	Error within(const Error &error, const std::string &entry) const
	{
		return error.withContext("kubeconfig " + path_ + ": " + entry);
	}
	std::string resolve(std::string_view file) const;
	Result<Entries> index(const Field &root, std::string_view list, std::string_view kind) const;
	/* readCluster() or readUser(). */
	using EntryReader = Result<void> (KubeconfigReader::*)(const std::string &name,
								const ManifestValue *value,
								ClientConfig &out) const;
	/* Reads the cluster or user a context names; an error naming the context when there is none. */
	Result<void> readEntry(const Entries &entries, const std::string &context, std::string_view kind,
			       const std::string &name, EntryReader reader, ClientConfig &out) const
	{
		auto found = entries.find(name);
		if (found == entries.end())
			return invalid(context + ": " + std::string(kind) + " " + quote(name) + " is not in " +
				       std::string(kind) + "s");
		return (this->*reader)(name, found->second, out);
	}
	Result<void> readCluster(const std::string &name, const ManifestValue *value,
				 ClientConfig &out) const;
	Result<void> readUser(const std::string &name, const ManifestValue *value,
			      ClientConfig &out) const;
	Result<void> readPem(const std::string &entry, const Field &map, const std::string &key,
			     std::string &out) const;

	const std::string &path_;
	const std::string &server_;
	std::filesystem::path directory_;
};

/* A path as kubectl resolves it: a relative one against the kubeconfig's directory. */
std::string KubeconfigReader::resolve(std::string_view file) const
{
	std::filesystem::path given(file);
	if (given.is_absolute())
		return std::string(file);
	return (directory_ / given).lexically_normal().string();
}

Result<Entries> KubeconfigReader::index(const Field &root, std::string_view list,
					std::string_view kind) const
{
	const Field items = root[list];
	if (auto problem = fields::checkSequence(items))
		return invalid(*problem);
	Entries entries;
	for (size_t i = 0; i < items.size(); i++) {
		const Field item = items.item(i);
		std::string_view name;
		if (auto problem = first({ fields::checkMap(item), fields::readText(item["name"], name),
					   fields::checkMap(item[kind]) }))
			return invalid(*problem);
		if (!entries.emplace(name, item[kind].value).second)
			return invalid("two " + std::string(list) + " are named " + quote(name));
	}
	return entries;
}

/**
 * \brief A certificate, key or CA given inline or by path
 * \param[in] entry "cluster \"c\"" or "user \"u\"", for messages
 * \param[in] map The entry's map
 * \param[in] key "client-key": the path; key + "-data": base64 of the PEM
 * \param[out] out The PEM bytes; left empty when neither is set
 */
Result<void> KubeconfigReader::readPem(const std::string &entry, const Field &map,
				       const std::string &key, std::string &out) const
{
	const std::string dataKey = key + "-data";
	std::string file, data;
	if (auto problem = first({ fields::readString(map[key], file),
				   fields::readString(map[dataKey], data) }))
		return invalid(entry + ": " + *problem);
	if (!file.empty() && !data.empty())
		return invalid(entry + ": both " + key + " and " + dataKey + " are set");
	std::string what;
	if (!data.empty()) {
		auto decoded = decodeBase64(data);
		if (!decoded)
			return invalid(entry + ": " + dataKey + " is not base64");
		out = std::move(*decoded);
		what = dataKey;
	} else if (!file.empty()) {
		const std::string resolved = resolve(file);
		Result<std::string> text = readFile(resolved);
		if (!text)
			return within(text.error(), entry + ": " + key);
		out = std::move(*text);
		what = key + " " + resolved;
	} else {
		return {};
	}
	if (!isPem(out))
		return invalid(entry + ": " + what + " is not PEM (it has no -----BEGIN line)");
	return {};
}

Result<void> KubeconfigReader::readCluster(const std::string &name, const ManifestValue *value,
					   ClientConfig &out) const
{
	const std::string entry = "cluster " + quote(name);
	const Field cluster{ value };
	std::string server, proxyUrl;
	if (auto problem = first({ fields::readString(cluster["server"], server),
				   fields::readString(cluster["tls-server-name"], out.tlsServerName),
				   fields::readBool(cluster["insecure-skip-tls-verify"],
						    out.insecureSkipTlsVerify),
				   fields::readString(cluster["proxy-url"], proxyUrl) }))
		return invalid(entry + ": " + *problem);
	if (!proxyUrl.empty())
		return invalid(entry + ": proxy-url is not supported");
	if (server_.empty()) {
		if (server.empty())
			return invalid(entry + ": no server");
		Result<std::string> parsed = parseServer(server);
		if (!parsed)
			return within(parsed.error(), entry);
		out.server = std::move(*parsed);
	}
	if (auto ca = readPem(entry, cluster, "certificate-authority", out.caData); !ca)
		return ca;
	if (out.insecureSkipTlsVerify && !out.caData.empty())
		return invalid(entry + ": insecure-skip-tls-verify and a certificate-authority are both "
				       "set (client-go refuses a CA that would not be checked)");
	return {};
}

Result<void> KubeconfigReader::readUser(const std::string &name, const ManifestValue *value,
					ClientConfig &out) const
{
	const std::string entry = "user " + quote(name);
	const Field user{ value };
	if (user["exec"].present()) {
		std::string_view command;
		(void)fields::readText(user["exec"]["command"], command);
		return invalid(entry + ": exec credential plugins are not supported (command " +
			       quote(command) + "); give the user a token, tokenFile or client certificate");
	}
	if (user["auth-provider"].present()) {
		std::string_view provider;
		(void)fields::readText(user["auth-provider"]["name"], provider);
		return invalid(entry + ": auth-provider " + quote(provider) +
			       " is not supported; give the user a token, tokenFile or client certificate");
	}
	std::string username, password, tokenFile;
	if (auto problem = first({ fields::readString(user["username"], username),
				   fields::readString(user["password"], password),
				   fields::readString(user["token"], out.token),
				   fields::readString(user["tokenFile"], tokenFile) }))
		return invalid(entry + ": " + *problem);
	if (!username.empty() || !password.empty())
		return invalid(entry + ": username/password (basic authentication) is not supported");
	for (std::string_view key : { "as", "as-uid", "as-groups", "as-user-extra" })
		if (user[key].present())
			return invalid(entry + ": impersonation (" + std::string(key) +
				       ") is not supported");

	if (auto cert = readPem(entry, user, "client-certificate", out.clientCertData); !cert)
		return cert;
	if (auto key = readPem(entry, user, "client-key", out.clientKeyData); !key)
		return key;
	if (out.clientCertData.empty() != out.clientKeyData.empty())
		return invalid(entry + (out.clientKeyData.empty()
						? ": client-certificate without client-key"
						: ": client-key without client-certificate"));
	if (!tokenFile.empty())
		out.tokenFile = resolve(tokenFile);
	/* Without an inline token to start with, client-go needs the file's now. */
	if (out.token.empty() && !out.tokenFile.empty() && !plainHttp(out.server))
		if (Result<std::string> token = readTokenFile(out.tokenFile); !token)
			return within(token.error(), entry + ": tokenFile");
	return {};
}

Result<std::optional<ClientConfig>> KubeconfigReader::read(const ManifestValue &document) const
{
	using Selected = std::optional<ClientConfig>;
	if (document.type() == ManifestValue::Type::Null)
		return Selected();
	if (document.type() != ManifestValue::Type::Map)
		return invalid("not a kubeconfig (the document is not a map)");
	const Field root{ &document };
	Result<Entries> clusters = index(root, "clusters", "cluster");
	if (!clusters)
		return clusters.error();
	Result<Entries> users = index(root, "users", "user");
	if (!users)
		return users.error();
	Result<Entries> contexts = index(root, "contexts", "context");
	if (!contexts)
		return contexts.error();
	std::string current;
	if (auto problem = fields::readString(root["current-context"], current))
		return invalid(*problem);
	if (current.empty())
		return Selected();

	auto context = contexts->find(current);
	if (context == contexts->end())
		return invalid("current-context " + quote(current) + " is not in contexts");
	const std::string entry = "context " + quote(current);
	const Field contextMap{ context->second };
	std::string clusterName, userName;
	if (auto problem = first({ fields::readString(contextMap["cluster"], clusterName),
				   fields::readString(contextMap["user"], userName) }))
		return invalid(entry + ": " + *problem);

	ClientConfig config;
	config.server = server_;
	if (clusterName.empty() && server_.empty())
		return invalid(entry + ": names no cluster");
	Result<void> cluster = clusterName.empty()
				       ? Result<void>()
				       : readEntry(*clusters, entry, "cluster", clusterName,
						   &KubeconfigReader::readCluster, config);
	if (!cluster)
		return cluster.error();
	/* client-go: a --master override drops the kubeconfig's tls-server-name. */
	if (!server_.empty())
		config.tlsServerName.clear();
	Result<void> user = userName.empty() ? Result<void>()
					     : readEntry(*users, entry, "user", userName,
							 &KubeconfigReader::readUser, config);
	if (!user)
		return user.error();

	config.origin = "kubeconfig " + path_ + " context " + current + " user " +
			(userName.empty() ? "(none)" : userName) +
			(server_.empty() ? "" : ", server from --master");
	if (plainHttp(config.server)) {
		/* client-go applies no credentials and no TLS settings to a plain HTTP server. */
		ClientConfig plain;
		plain.server = std::move(config.server);
		plain.origin = config.origin + ", plain HTTP: no credentials";
		return Selected(std::move(plain));
	}
	return Selected(std::move(config));
}

/* The first document of a kubeconfig through the manifests' YAML/JSON reader. */
Result<std::optional<ClientConfig>> readKubeconfig(std::string_view text, const std::string &path,
						   const std::string &server)
{
	ManifestArena arena;
	KubeconfigReader reader(path, server);
	std::optional<Result<std::optional<ClientConfig>>> result;
	auto problem = readManifestDocuments(text, arena, [&](const ManifestValue &document) {
		if (!result)
			result.emplace(reader.read(document));
	});
	if (problem)
		return Error(EINVAL, "kubeconfig " + path + ": " + *problem);
	if (!result)
		return std::optional<ClientConfig>();
	return std::move(*result);
}

Error noCurrentContext(const std::string &path)
{
	return Error(EINVAL, "kubeconfig " + path + ": no current-context");
}

/* client-go's inClusterClientConfig.Possible(): the fallback when a kubeconfig selects nothing. */
bool inClusterPossible(const InClusterEnvironment &env)
{
	struct stat st;
	return !env.serviceHost.empty() && !env.servicePort.empty() &&
	       ::stat(env.tokenPath.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

} /* namespace */

InClusterEnvironment InClusterEnvironment::fromProcess()
{
	InClusterEnvironment env;
	const char *host = std::getenv("KUBERNETES_SERVICE_HOST");
	const char *port = std::getenv("KUBERNETES_SERVICE_PORT");
	env.serviceHost = host ? host : "";
	env.servicePort = port ? port : "";
	return env;
}

/**
 * \brief The ClientConfig of a kubeconfig's current-context
 * \param[in] text The file's content (YAML or JSON; its first document)
 * \param[in] path The file, for messages and to resolve relative paths
 * \return The config; or an Error whose text names the file, the entry
 * (cluster, user, context) and the cause
 */
Result<ClientConfig> parseKubeconfig(std::string_view text, const std::string &path)
{
	Result<std::optional<ClientConfig>> selected = readKubeconfig(text, path, {});
	if (!selected)
		return selected.error();
	if (!*selected)
		return noCurrentContext(path);
	return std::move(**selected);
}

/**
 * \brief The ServiceAccount's configuration, as client-go's rest.InClusterConfig
 * \param[in] env The environment's host and port, and where the token and CA are
 *
 * Differs from client-go in one way: a CA file that cannot be read is an
 * error here, where client-go logs it and trusts the system's CAs.
 */
Result<ClientConfig> inClusterConfig(const InClusterEnvironment &env)
{
	if (env.serviceHost.empty() || env.servicePort.empty()) {
		std::string unset = env.serviceHost.empty() ? "KUBERNETES_SERVICE_HOST" : "";
		if (env.servicePort.empty())
			unset += (unset.empty() ? "" : " and ") + std::string("KUBERNETES_SERVICE_PORT");
		return Error(EINVAL, "in-cluster config: " + unset + " not set (outside a cluster, "
								 "give --kubeconfig or --master)");
	}
	const bool ipv6 = env.serviceHost.find(':') != std::string::npos;
	Result<std::string> server = parseServer(
		"https://" + (ipv6 ? "[" + env.serviceHost + "]" : env.serviceHost) + ":" +
		env.servicePort);
	if (!server)
		return server.error().withContext("in-cluster config: KUBERNETES_SERVICE_HOST/PORT");
	if (Result<std::string> token = readTokenFile(env.tokenPath); !token)
		return token.error().withContext("in-cluster config: ServiceAccount");
	Result<std::string> ca = readFile(env.caPath);
	if (!ca)
		return ca.error().withContext("in-cluster config: ServiceAccount CA");
	if (!isPem(*ca))
		return Error(EINVAL, "in-cluster config: ServiceAccount CA " + env.caPath +
					     " is not PEM (it has no -----BEGIN line)");
	ClientConfig config;
	config.server = std::move(*server);
	config.caData = std::move(*ca);
	config.tokenFile = env.tokenPath;
	config.origin = "in-cluster config";
	return config;
}

/**
 * \brief The API server and credentials from kube-proxy's flags
 * \param[in] kubeconfigPath --kubeconfig, or empty
 * \param[in] master --master, or empty
 * \param[in] env What in-cluster configuration reads
 */
Result<ClientConfig> loadClientConfig(const std::string &kubeconfigPath, const std::string &master,
				      const InClusterEnvironment &env)
{
	if (kubeconfigPath.empty() && master.empty())
		return inClusterConfig(env);
	ClientConfig alone;
	if (!master.empty()) {
		Result<std::string> server = parseServer(master);
		if (!server)
			return server.error().withContext("--master");
		alone.server = std::move(*server);
		alone.origin = "--master " + alone.server;
	}
	if (kubeconfigPath.empty())
		return alone;

	Result<std::string> text = readFile(kubeconfigPath);
	if (!text)
		return text.error().withContext("kubeconfig");
	Result<std::optional<ClientConfig>> selected =
		readKubeconfig(*text, kubeconfigPath, alone.server);
	if (!selected)
		return selected.error();
	if (*selected)
		return std::move(**selected);
	/* Nothing selected: client-go's merged config is empty but for --master, else in-cluster. */
	const std::string why = " (kubeconfig " + kubeconfigPath + " has no current-context)";
	if (!alone.server.empty()) {
		alone.origin += why;
		return alone;
	}
	if (!inClusterPossible(env))
		return noCurrentContext(kubeconfigPath);
	Result<ClientConfig> inCluster = inClusterConfig(env);
	if (inCluster)
		inCluster->origin += why;
	return inCluster;
}

/**
 * \brief Read a whole file
 * \param[in] path The file
 * \return Its bytes, or Error(errno, "read", path)
 */
Result<std::string> readFile(const std::string &path)
{
	std::unique_ptr<FILE, int (*)(FILE *)> file(std::fopen(path.c_str(), "rbe"), &std::fclose);
	if (!file)
		return Error(errno, "read", path);
	std::string bytes;
	char buffer[16384];
	size_t count;
	while ((count = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0)
		bytes.append(buffer, count);
	if (std::ferror(file.get()))
		return Error(errno ? errno : EIO, "read", path);
	return bytes;
}

} /* namespace kipvs::proxy */
