/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvsadm's top level: ipvsadm's start-up order and messages.
 */
#include "ipvs/kipvsadm/application.h"

#include <cerrno>
#include <cstring>

#include "ipvs/kipvsadm/command_line.h"
#include "ipvs/kipvsadm/lister.h"

namespace kipvs::ipvsadm {

namespace {

/* ipvs_strerror() for ipvs_init(). */
std::string initErrorText(const Error &error)
{
	switch (error.code()) {
	case EPERM:
		return "Permission denied (you must be root)";
	case EINVAL:
		return "Module is wrong version";
	case ENOMEM:
		return "Memory allocation problem";
	case EOPNOTSUPP:
	case ENOPROTOOPT:
	case ENOENT:
		/* No IPVS genl family: ipvsadm's sockopt fallback says this. */
		return "Protocol not available";
	default:
		return std::strerror(error.code());
	}
}

} /* namespace */

Application::Application(SourceProvider &provider, Output &out, Output &err)
	: provider_(provider), out_(out), err_(err)
{
	resolverFactory_ = [](bool numeric) { return std::make_unique<NameResolver>(numeric); };
}

int Application::run(const std::vector<std::string> &args)
{
	/*
	 * Like ipvsadm, reach IPVS before looking at the arguments: without
	 * it, even -h fails, with the same message.
	 */
	std::unique_ptr<IpvsSource> source;
	auto init = [&]() -> Result<ipvs::Info> {
		auto opened = provider_.open();
		if (!opened)
			return opened.error();
		source = std::move(opened.value());
		return source->getInfo();
	};
	Result<ipvs::Info> info = init();
	if (!info) {
		provider_.loadModule();
		info = init();
	}
	if (!info) {
		err_.append("Can't initialize ipvs: " + initErrorText(info.error()) +
			    "\nAre you sure that IP Virtual Server is built in the kernel or as module?\n");
		return 2;
	}

	CommandLine commandLine(args);
	std::optional<Command> command = commandLine.parse();
	if (!command) {
		const ParseExit &exit = commandLine.exit();
		/* -h is kipvsadm's own text; everything else is ipvsadm's. */
		out_.append(exit.out);
		err_.append(exit.err);
		return exit.exitCode;
	}

	if (command->kind == Command::Kind::Modify) {
		err_.append("kipvsadm: --" + command->modifyName +
			    " changes the IPVS table; kipvsadm only reads it. Use ipvsadm for that.\n");
		return 2;
	}

	std::unique_ptr<NameResolver> resolver = resolverFactory_(command->format.numeric);
	Lister lister(*source, info.value(), *resolver, out_, err_);
	lister.setConnectionPath(connectionPath_);
	return lister.run(*command);
}

} /* namespace kipvs::ipvsadm */
