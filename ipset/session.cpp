/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Session: libipset's session API driven with binary data (no text parsing
 * on the way in), its restore mode used to batch entries, its output
 * captured as `ipset save` text on the way out.
 */
#include "ipset/session.h"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include <libipset/data.h>
#include <libipset/ipset.h>
#include <libipset/linux_ip_set.h>
#include <libipset/nf_inet_addr.h>
#include <libipset/nfproto.h>
#include <libipset/session.h>
#include <libipset/types.h>

#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "ipset/report.h"
#include "ipset/set_name.h"
#include "netlink/attribute_table.h"
#include "netlink/message.h"
#include "netlink/netlink_socket.h"

namespace kipvs::ipset {

/*
 * What libipset's handlers hand over: the printed output of list/save, and
 * the text of the last error the struct ipset layer raised. Heap-allocated
 * so that its address, given to libipset, survives moves of the Session.
 */
struct Session::Output {
	std::string text;
	std::string error;
};

struct Session::SetHeader {
	const struct ipset_type *type;
	uint8_t family;
};

namespace {

void appendFormatted(std::string &to, const char *format, va_list args)
{
	va_list copy;
	va_copy(copy, args);
	char small[512];
	int length = std::vsnprintf(small, sizeof(small), format, copy);
	va_end(copy);
	if (length < 0)
		return;
	if (static_cast<size_t>(length) < sizeof(small)) {
		to.append(small, static_cast<size_t>(length));
		return;
	}
	size_t at = to.size();
	to.resize(at + static_cast<size_t>(length) + 1);
	std::vsnprintf(to.data() + at, static_cast<size_t>(length) + 1, format, args);
	to.resize(at + static_cast<size_t>(length));
}

/* Replaces libipset's default, which prints to stderr and calls exit(). */
int recordCustomError(struct ::ipset *, void *p, int status, const char *message, ...)
	__attribute__((format(printf, 4, 5)));
int recordCustomError(struct ::ipset *, void *p, int status, const char *message, ...)
{
	auto *output = static_cast<std::string *>(p);
	if (status && message) {
		output->clear();
		va_list args;
		va_start(args, message);
		appendFormatted(*output, message, args);
		va_end(args);
	}
	return -1;
}

/* Replaces libipset's default, which prints and calls exit() too. */
int recordStandardError(struct ::ipset *handle, void *p)
{
	struct ipset_session *session = ipset_session(handle);
	auto *output = static_cast<std::string *>(p);
	*output = ipset_session_report_msg(session);
	ipset_session_report_reset(session);
	return -1;
}

/* The session's printer: list and save output collects in memory. */
int collectOutput(struct ipset_session *, void *p, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
int collectOutput(struct ipset_session *, void *p, const char *format, ...)
{
	auto *output = static_cast<std::string *>(p);
	size_t before = output->size();
	va_list args;
	va_start(args, format);
	appendFormatted(*output, format, args);
	va_end(args);
	return static_cast<int>(output->size() - before);
}

uint8_t nfproto(int family)
{
	return family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
}

const char *familyName(uint8_t family)
{
	return family == NFPROTO_IPV6 ? "inet6" : family == NFPROTO_IPV4 ? "inet" : "any";
}

Result<void> checkName(const std::string &operation, const std::string &set)
{
	if (set.empty() || set.size() > kMaxSetNameLength)
		return Error(EINVAL, operation, set,
			     "a set name has 1 to " + std::to_string(kMaxSetNameLength) +
				     " characters");
	return {};
}

} /* namespace */

void IpsetDeleter::operator()(struct ::ipset *handle) const
{
	ipset_fini(handle);
}

Session::Session(std::unique_ptr<Output> output, std::unique_ptr<struct ::ipset, IpsetDeleter> handle)
	: output_(std::move(output)), handle_(std::move(handle))
{
}

Session::Session(Session &&other) noexcept = default;
Session &Session::operator=(Session &&other) noexcept = default;
Session::~Session() = default;

/*
 * A libipset handle whose handlers record instead of printing and exiting.
 * The error handlers get &output.error, the printer &output.text: libipset
 * passes one private pointer to both, so the printer's is set again on the
 * session after ipset_custom_printf().
 */
std::unique_ptr<struct ::ipset, IpsetDeleter> Session::makeHandle(Output &output)
{
	std::unique_ptr<struct ::ipset, IpsetDeleter> handle(ipset_init());
	if (!handle)
		return handle;
	ipset_custom_printf(handle.get(), recordCustomError, recordStandardError, collectOutput,
			    &output.error);
	struct ipset_session *session = ipset_session(handle.get());
	ipset_session_print_outfn(session, collectOutput, &output.text);
	ipset_envopt_set(session, IPSET_ENV_EXIST);
	return handle;
}

Result<Session> Session::open()
{
	/* Registers the built-in set types once per process (it is idempotent). */
	ipset_load_types();

	auto output = std::make_unique<Output>();
	auto handle = makeHandle(*output);
	if (!handle)
		return Error(ENOMEM, "open ipset session");

	Session opened(std::move(output), std::move(handle));
	/* IPSET_CMD_NONE only checks the kernel's protocol version. */
	if (ipset_cmd(opened.session(), IPSET_CMD_NONE, 0) < 0)
		return opened.failure("open ipset session", {});
	return opened;
}

struct ipset_session *Session::session() const
{
	return ipset_session(handle_.get());
}

Error Session::failure(const std::string &operation, const std::string &object) const
{
	struct ipset_session *s = session();
	std::string message = ipset_session_report_msg(s);
	if (message.empty())
		message = output_->error;
	Report report = parseReport(message);
	ipset_session_report_reset(s);
	output_->error.clear();
	if (report.text.empty())
		report.text = "libipset gave no reason";
	return Error(errnoFromReport(report.text, s), operation, object, report.text);
}

Result<Session::SetHeader> Session::lookup(const std::string &set)
{
	struct ipset_session *s = session();
	struct ipset_data *data = ipset_session_data(s);

	if (auto valid = checkName("look up set", set); !valid)
		return valid.error();
	/* libipset's cache may be stale: another process can recreate a set. */
	ipset_cache_del(set.c_str());
	ipset_data_reset(data);
	ipset_session_report_reset(s);
	ipset_data_set(data, IPSET_SETNAME, set.c_str());
	const struct ipset_type *type = ipset_type_get(s, IPSET_CMD_ADD);
	if (!type) {
		Error error = failure("look up set", set);
		ipset_data_reset(data);
		return error;
	}
	SetHeader header{ type, ipset_data_family(data) };
	ipset_data_reset(data);
	return header;
}

void Session::fill(const std::string &set, const SetHeader &header, const Entry &entry)
{
	struct ipset_data *data = ipset_session_data(session());

	ipset_data_set(data, IPSET_SETNAME, set.c_str());
	ipset_data_set(data, IPSET_OPT_TYPE, header.type);
	ipset_data_set(data, IPSET_OPT_FAMILY, &header.family);

	auto setAddress = [data](enum ipset_opt option, const IpAddress &address) {
		union nf_inet_addr value {};
		std::memcpy(&value, address.data(), address.size());
		ipset_data_set(data, option, &value);
	};

	uint16_t port = entry.portNumber();
	uint8_t protocol = static_cast<uint8_t>(entry.protocol());
	uint8_t cidr = entry.cidr();
	switch (entry.type()) {
	case SetType::HashIp:
		setAddress(IPSET_OPT_IP, entry.address());
		break;
	case SetType::HashNet:
		setAddress(IPSET_OPT_IP, entry.address());
		ipset_data_set(data, IPSET_OPT_CIDR, &cidr);
		break;
	case SetType::BitmapPort:
		ipset_data_set(data, IPSET_OPT_PORT, &port);
		break;
	case SetType::HashIpPort:
	case SetType::HashIpPortIp:
	case SetType::HashIpPortNet:
		setAddress(IPSET_OPT_IP, entry.address());
		ipset_data_set(data, IPSET_OPT_PORT, &port);
		ipset_data_set(data, IPSET_OPT_PROTO, &protocol);
		if (entry.type() != SetType::HashIpPort)
			setAddress(IPSET_OPT_IP2, entry.address2());
		if (entry.type() == SetType::HashIpPortNet)
			ipset_data_set(data, IPSET_OPT_CIDR2, &cidr);
		break;
	}
}

Result<void> Session::checkEntry(const std::string &operation, const SetHeader &header,
				 SetType type, const Entry &entry)
{
	std::string_view kernelType = header.type->name;
	if (kernelType != typeName(type))
		return Error(EINVAL, operation, entry.toString(),
			     "the set is " + std::string(kernelType) + ", not " +
				     std::string(typeName(type)));
	if (entry.type() != type)
		return Error(EINVAL, operation, entry.toString(),
			     "a " + std::string(typeName(entry.type())) + " entry in a " +
				     std::string(typeName(type)) + " set");
	if (auto valid = entry.validate(); !valid)
		return valid.error().withContext(operation);
	/* libipset would copy the address with the set's size, silently. */
	if (hasFamily(type) && nfproto(entry.family()) != header.family)
		return Error(EINVAL, operation, entry.toString(),
			     std::string("the set's family is ") + familyName(header.family));
	return {};
}

Result<void> Session::create(const SetSpec &spec)
{
	struct ipset_session *s = session();
	struct ipset_data *data = ipset_session_data(s);
	const std::string operation = "create set";

	if (auto valid = checkName(operation, spec.name); !valid)
		return valid;
	ipset_data_reset(data);
	ipset_session_report_reset(s);

	std::string typeText(typeName(spec.type));
	ipset_data_set(data, IPSET_SETNAME, spec.name.c_str());
	ipset_data_set(data, IPSET_OPT_TYPENAME, typeText.c_str());
	if (hasFamily(spec.type)) {
		uint8_t family = nfproto(spec.family);
		ipset_data_set(data, IPSET_OPT_FAMILY, &family);
	}
	if (!ipset_type_get(s, IPSET_CMD_CREATE)) {
		Error error = failure(operation, spec.toString());
		ipset_data_reset(data);
		return error;
	}

	if (hasFamily(spec.type)) {
		ipset_data_set(data, IPSET_OPT_HASHSIZE, &spec.hashSize);
		ipset_data_set(data, IPSET_OPT_MAXELEM, &spec.maxElements);
	} else {
		ipset_data_set(data, IPSET_OPT_PORT, &spec.portFrom);
		ipset_data_set(data, IPSET_OPT_PORT_TO, &spec.portTo);
	}
	if (spec.comment) {
		bool on = true;
		ipset_data_set(data, IPSET_OPT_CREATE_COMMENT, &on);
	}

	if (ipset_cmd(s, IPSET_CMD_CREATE, 0) < 0) {
		Error error = failure(operation, spec.name);
		if (error.code() == EEXIST)
			return Error(EEXIST, operation, spec.name,
				     "a set of that name exists with another type or options (" +
					     error.kernelMessage() + ")");
		return error;
	}
	return {};
}

Result<void> Session::simple(int command, const std::string &operation, const std::string &set,
			     const std::string &second)
{
	struct ipset_session *s = session();
	struct ipset_data *data = ipset_session_data(s);

	if (auto valid = checkName(operation, set); !valid)
		return valid;
	if (!second.empty())
		if (auto valid = checkName(operation, second); !valid)
			return valid;
	ipset_data_reset(data);
	ipset_session_report_reset(s);
	ipset_data_set(data, IPSET_SETNAME, set.c_str());
	if (!second.empty())
		ipset_data_set(data, IPSET_OPT_SETNAME2, second.c_str());
	if (ipset_cmd(s, static_cast<enum ipset_cmd>(command), 0) < 0)
		return failure(operation, second.empty() ? set : set + " and " + second);
	return {};
}

Result<void> Session::destroy(const std::string &set)
{
	return simple(IPSET_CMD_DESTROY, "destroy set", set);
}

Result<void> Session::flush(const std::string &set)
{
	return simple(IPSET_CMD_FLUSH, "flush set", set);
}

Result<void> Session::swap(const std::string &first, const std::string &second)
{
	if (second.empty())
		return Error(EINVAL, "swap sets", first, "no second set named");
	return simple(IPSET_CMD_SWAP, "swap sets", first, second);
}

Result<void> Session::add(const std::string &set, const Entry &entry)
{
	SetDiff diff{ set, entry.type(), { entry }, {} };
	return apply({ diff });
}

Result<void> Session::del(const std::string &set, const Entry &entry)
{
	SetDiff diff{ set, entry.type(), {}, { entry } };
	return apply({ diff });
}

Result<bool> Session::test(const std::string &set, const Entry &entry)
{
	struct ipset_session *s = session();
	const std::string operation = "test entry in set " + set;

	if (auto valid = entry.validate(); !valid)
		return valid.error().withContext(operation);
	auto header = lookup(set);
	if (!header)
		return header.error();
	if (auto fits = checkEntry(operation, *header, entry.type(), entry); !fits)
		return fits.error();

	fill(set, *header, entry);
	ipset_session_report_reset(s);
	int ret = ipset_cmd(s, IPSET_CMD_TEST, 0);
	enum ipset_err_type reported = ipset_session_report_type(s);
	if (ret == 0) {
		ipset_session_report_reset(s);
		return true;
	}
	/* libipset reports an absent entry as a notice, not an error. */
	if (reported == IPSET_NOTICE) {
		ipset_session_report_reset(s);
		return false;
	}
	return failure(operation, entry.toString());
}

Result<std::string> Session::capture(int command, int mode, const std::string &set)
{
	struct ipset_session *s = session();
	struct ipset_data *data = ipset_session_data(s);

	ipset_data_reset(data);
	ipset_session_report_reset(s);
	output_->text.clear();
	ipset_session_output(s, static_cast<enum ipset_output_mode>(mode));
	if (!set.empty())
		ipset_data_set(data, IPSET_SETNAME, set.c_str());
	int ret = ipset_cmd(s, static_cast<enum ipset_cmd>(command), 0);
	std::string text = std::move(output_->text);
	output_->text.clear();
	if (ret < 0) {
		Error error = failure(command == IPSET_CMD_SAVE ? "save set" : "list sets", set);
		/*
		 * A failed dump leaves replies unread on libipset's socket, and
		 * every later command would read them as its own: start afresh.
		 */
		auto fresh = makeHandle(*output_);
		if (fresh)
			handle_ = std::move(fresh);
		return error;
	}
	return text;
}

Result<std::vector<std::string>> Session::listSetNames()
{
	struct ipset_session *s = session();
	ipset_envopt_set(s, IPSET_ENV_LIST_SETNAME);
	auto text = capture(IPSET_CMD_LIST, IPSET_LIST_PLAIN, {});
	ipset_envopt_unset(s, IPSET_ENV_LIST_SETNAME);
	if (!text)
		return text.error();

	std::vector<std::string> names;
	std::string_view rest = *text;
	while (!rest.empty()) {
		size_t end = rest.find('\n');
		std::string_view line = rest.substr(0, end);
		if (!line.empty())
			names.emplace_back(line);
		if (end == std::string_view::npos)
			break;
		rest.remove_prefix(end + 1);
	}
	return names;
}

Result<std::string> Session::save(const std::string &set)
{
	if (!set.empty())
		if (auto valid = checkName("save set", set); !valid)
			return valid.error();
	return capture(IPSET_CMD_SAVE, IPSET_LIST_SAVE, set);
}

namespace {

/*
 * The attributes of an IPSET_CMD_LIST reply (include/uapi/linux/netfilter/
 * ipset/ip_set.h) that listing members needs; the rest are skipped.
 */
const netlink::AttributeTable &addressPolicy()
{
	static const netlink::AttributeTable table("ipset address", {
		{ IPSET_ATTR_IPADDR_IPV4, "ipv4", netlink::AttributeType::Binary, 4, 4 },
		{ IPSET_ATTR_IPADDR_IPV6, "ipv6", netlink::AttributeType::Binary, 16, 16 },
	});
	return table;
}

const netlink::AttributeTable &memberPolicy()
{
	static const netlink::AttributeTable table("ipset member", {
		{ IPSET_ATTR_IP, "ip", netlink::AttributeType::Nested, 0, 0, &addressPolicy() },
		{ IPSET_ATTR_CIDR, "cidr", netlink::AttributeType::U8 },
		{ IPSET_ATTR_PORT, "port", netlink::AttributeType::U16 },
		{ IPSET_ATTR_PROTO, "proto", netlink::AttributeType::U8 },
		{ IPSET_ATTR_IP2, "ip2", netlink::AttributeType::Nested, 0, 0, &addressPolicy() },
		{ IPSET_ATTR_CIDR2, "cidr2", netlink::AttributeType::U8 },
	});
	return table;
}

const netlink::AttributeTable &listPolicy()
{
	static const netlink::AttributeTable table("ipset list", {
		{ IPSET_ATTR_PROTOCOL, "protocol", netlink::AttributeType::U8 },
		{ IPSET_ATTR_SETNAME, "setname", netlink::AttributeType::String, 0, IPSET_MAXNAMELEN },
		{ IPSET_ATTR_TYPENAME, "typename", netlink::AttributeType::String, 0, IPSET_MAXNAMELEN },
		{ IPSET_ATTR_ADT, "adt", netlink::AttributeType::Binary },
	});
	return table;
}

Result<IpAddress> memberAddress(const netlink::Attributes &member, uint16_t id)
{
	auto nest = member.nested(id);
	if (!nest)
		return nest.error();
	for (uint16_t family : { IPSET_ATTR_IPADDR_IPV4, IPSET_ATTR_IPADDR_IPV6 })
		if (auto bytes = nest->binary(family))
			if (auto address = IpAddress::fromBytes(bytes->data(), bytes->size()))
				return *address;
	return Error(EPROTO, "parse ipset member (an address of no family)");
}

/* One member as the kernel lists it, by the set's type. */
Result<Entry> parseMember(SetType type, const netlink::Attributes &member)
{
	auto port = [&] { return ntohs(member.u16(IPSET_ATTR_PORT).value_or(0)); };
	auto protocol = [&] { return static_cast<Protocol>(member.u8(IPSET_ATTR_PROTO).value_or(0)); };
	if (type == SetType::BitmapPort)
		return Entry::port(port());
	auto address = memberAddress(member, IPSET_ATTR_IP);
	if (!address)
		return address.error();
	switch (type) {
	case SetType::HashIp:
		return Entry::ip(*address);
	case SetType::HashIpPort:
		return Entry::ipPort(*address, protocol(), port());
	case SetType::HashNet:
		return Entry::net(IpPrefix(*address, member.u8(IPSET_ATTR_CIDR)
							      .value_or(address->isV4() ? 32 : 128)));
	case SetType::HashIpPortIp:
	case SetType::HashIpPortNet: {
		auto address2 = memberAddress(member, IPSET_ATTR_IP2);
		if (!address2)
			return address2.error();
		if (type == SetType::HashIpPortIp)
			return Entry::ipPortIp(*address, protocol(), port(), *address2);
		uint8_t cidr2 = member.u8(IPSET_ATTR_CIDR2).value_or(address2->isV4() ? 32 : 128);
		return Entry::ipPortNet(*address, protocol(), port(), IpPrefix(*address2, cidr2));
	}
	case SetType::BitmapPort:
		break;
	}
	return Error(EOPNOTSUPP, "parse ipset member (a set type kipvs does not use)");
}

} /* namespace */

/*
 * The members are read straight from the kernel's netlink dump rather than
 * through libipset's `ipset save` text: libipset prints a protocol with
 * getprotobynumber(), which opens and scans /etc/protocols for every
 * hash:ip,port member (20,000 services, 20,000 times per full sync).
 */
Result<SetEntries> Session::listEntries(const std::string &set)
{
	/* A missing set is found without a dump, with libipset's wording. */
	if (auto header = lookup(set); !header)
		return header.error().withContext("list set");

	auto socket = netlink::NetlinkSocket::open(NETLINK_NETFILTER);
	if (!socket)
		return socket.error().withContext("list set " + set);
	struct nfgenmsg header = {};
	header.nfgen_family = AF_INET;
	header.version = NFNETLINK_V0;
	auto request = netlink::Message::withHeader(
		static_cast<uint16_t>((NFNL_SUBSYS_IPSET << 8) | IPSET_CMD_LIST), 0, &header,
		sizeof(header), listPolicy());
	request.putU8(IPSET_ATTR_PROTOCOL, IPSET_PROTOCOL);
	request.putString(IPSET_ATTR_SETNAME, set);

	SetEntries contents;
	bool listed = false;
	auto dumped = socket->dump(request, [&](const struct nlmsghdr *message) -> Result<void> {
		size_t offset = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
		if (message->nlmsg_len < offset)
			return Error(EPROTO, "parse ipset list (truncated)");
		auto attributes = netlink::Attributes::parse(
			listPolicy(), reinterpret_cast<const uint8_t *>(message) + offset,
			message->nlmsg_len - offset);
		if (!attributes)
			return attributes.error();
		if (attributes->string(IPSET_ATTR_SETNAME).value_or("") != set)
			return {};
		if (!listed) {
			std::string typeName = attributes->string(IPSET_ATTR_TYPENAME).value_or("");
			auto type = parseSetType(typeName);
			if (!type)
				return Error(EOPNOTSUPP, "list set", set,
					     "its type " + typeName + " is not one kipvs uses");
			contents.type = *type;
			listed = true;
		}
		auto members = attributes->binary(IPSET_ATTR_ADT);
		if (!members)
			return {};
		/* IPSET_ATTR_ADT holds one IPSET_ATTR_DATA nest per member. */
		const uint8_t *cursor = members->data();
		size_t remaining = members->size();
		while (remaining >= NLA_HDRLEN) {
			const auto *nest = reinterpret_cast<const struct nlattr *>(cursor);
			if (nest->nla_len < NLA_HDRLEN || nest->nla_len > remaining)
				return Error(EPROTO, "parse ipset list (a member overruns the message)");
			if ((nest->nla_type & NLA_TYPE_MASK) == IPSET_ATTR_DATA) {
				auto member = netlink::Attributes::parse(memberPolicy(),
									 cursor + NLA_HDRLEN,
									 nest->nla_len - NLA_HDRLEN);
				if (!member)
					return member.error();
				auto entry = parseMember(contents.type, *member);
				if (!entry)
					return entry.error();
				contents.entries.push_back(std::move(*entry));
			}
			size_t step = NLA_ALIGN(nest->nla_len);
			if (step >= remaining)
				break;
			cursor += step;
			remaining -= step;
		}
		return {};
	});
	if (!dumped)
		return Error(dumped.error().code(), "list set", set, dumped.error().kernelMessage());
	if (!listed)
		return Error(ENOENT, "list set", set, "the kernel listed no such set");
	return contents;
}

Result<void> Session::apply(const std::vector<SetDiff> &diffs)
{
	struct ipset_session *s = session();

	/* Look every set up and check every entry before sending anything. */
	std::vector<SetHeader> headers;
	headers.reserve(diffs.size());
	size_t total = 0;
	for (const SetDiff &diff : diffs) {
		if (diff.empty()) {
			headers.push_back({});
			continue;
		}
		auto header = lookup(diff.set);
		if (!header)
			return header.error().withContext("apply ipset changes");
		if (header->type->name != typeName(diff.type))
			return Error(EINVAL, "apply ipset changes to set", diff.set,
				     "the set is " + std::string(header->type->name) + ", not " +
					     std::string(typeName(diff.type)));
		for (const auto *list : { &diff.toDelete, &diff.toAdd }) {
			const char *verb = list == &diff.toAdd ? "add to set " : "delete from set ";
			for (const Entry &entry : *list)
				if (auto fits = checkEntry(verb + diff.set, *header, diff.type, entry); !fits)
					return fits.error();
		}
		headers.push_back(*header);
		total += diff.size();
	}
	if (total == 0)
		return {};

	/*
	 * Restore mode: a non-zero line number makes libipset pack
	 * consecutive adds (or deletions) to one set into one message, sent
	 * when the page-sized buffer fills, the set or command changes, or
	 * at the commit. The kernel names the failing line in its error.
	 */
	struct Line {
		const SetDiff *diff;
		const Entry *entry;
		bool add;
	};
	std::vector<Line> lines;
	lines.reserve(total);
	auto lineFailure = [&]() -> Error {
		std::string message = ipset_session_report_msg(s);
		Report report = parseReport(message);
		if (report.line >= 1 && report.line <= lines.size()) {
			const Line &line = lines[report.line - 1];
			ipset_session_report_reset(s);
			return Error(errnoFromReport(report.text, s),
				     (line.add ? "add to set " : "delete from set ") + line.diff->set,
				     line.entry->toString(), report.text);
		}
		return failure("apply ipset changes", {});
	};

	ipset_session_report_reset(s);
	ipset_data_reset(ipset_session_data(s));
	for (size_t i = 0; i < diffs.size(); i++) {
		const SetDiff &diff = diffs[i];
		for (bool add : { false, true }) {
			for (const Entry &entry : add ? diff.toAdd : diff.toDelete) {
				lines.push_back({ &diff, &entry, add });
				fill(diff.set, headers[i], entry);
				if (ipset_cmd(s, add ? IPSET_CMD_ADD : IPSET_CMD_DEL,
					      static_cast<uint32_t>(lines.size())) < 0)
					return lineFailure();
			}
		}
	}
	if (ipset_commit(s) < 0)
		return lineFailure();
	return {};
}

} /* namespace kipvs::ipset */
