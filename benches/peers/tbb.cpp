// oneTBB's flow graph as a peer of the overhead benchmark: one continue_node per task and a
// make_edge per dependency, roots started with try_put, wait_for_all; WORKERS threads
// (global_control). Build and run timed separately, on a fresh graph each repetition.
// Usage: tbb SHAPES SIZES REPS WORKERS  (prints JSON lines like benches/drivers/overhead.rs)
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>

#include <memory>

#include "shapes.hpp"

using Node = tbb::flow::continue_node<tbb::flow::continue_msg>;

int main(int argc, char** argv) {
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                                argc == 5 ? std::stoul(argv[4]) : 1);
    return run_peer(argc, argv, "tbb", [](const Deps& deps, std::vector<uint64_t>& values,
                                          std::vector<double>& build, std::vector<double>& run) {
        auto start = std::chrono::steady_clock::now();
        tbb::flow::graph g;
        std::vector<std::unique_ptr<Node>> nodes;
        nodes.reserve(deps.size());
        for (size_t t = 0; t < deps.size(); ++t) {
            nodes.push_back(std::make_unique<Node>(
                g, [&values, &deps, t](const tbb::flow::continue_msg&) { values[t] = task_value(values, deps[t]); }));
            for (uint32_t d : deps[t]) tbb::flow::make_edge(*nodes[d], *nodes[t]);
        }
        build.push_back(seconds_since(start));
        start = std::chrono::steady_clock::now();
        for (size_t t = 0; t < deps.size(); ++t)
            if (deps[t].empty()) nodes[t]->try_put(tbb::flow::continue_msg());
        g.wait_for_all();
        run.push_back(seconds_since(start));
    });
}
