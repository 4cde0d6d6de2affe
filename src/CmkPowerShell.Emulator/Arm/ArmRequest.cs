using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CmkPowerShell.Emulator
{
    /// <summary>An authenticated ARM request after the common checks, as the provider handlers see it.</summary>
    internal sealed class ArmRequest
    {
        public ArmRequest(string method, string path, IQueryCollection query, JsonNode? body, string apiVersion, Caller caller, ArmId id, FaultRule? lroFault)
        {
            Method = method;
            Path = path;
            Query = query;
            Body = body;
            ApiVersion = apiVersion;
            Caller = caller;
            Id = id;
            LroFault = lroFault;
        }

        public string Method { get; }
        public string Path { get; }
        public IQueryCollection Query { get; }
        public JsonNode? Body { get; }
        public string ApiVersion { get; }
        public Caller Caller { get; }
        public ArmId Id { get; }
        /// <summary>A FailLongRunningOperation fault aimed at this request: the write is accepted, then its operation fails.</summary>
        public FaultRule? LroFault { get; }

        public bool IsGet => Method == "GET";
        public bool IsPut => Method == "PUT";
        public bool IsPatch => Method == "PATCH";
        public bool IsPost => Method == "POST";
        public bool IsDelete => Method == "DELETE";

        public string? Q(string name) => Query.TryGetValue(name, out var v) ? v.ToString() : null;

        public JsonObject BodyObject =>
            Body as JsonObject ?? throw new ArmException(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: a JSON object is required.");
    }

    /// <summary>What a handler answers: status, optional JSON body and extra headers.</summary>
    internal sealed class ArmResult
    {
        public ArmResult(int status, JsonNode? body = null)
        {
            Status = status;
            Body = body;
        }

        public int Status { get; }
        public JsonNode? Body { get; }
        public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

        public static ArmResult Ok(JsonNode? body) => new(200, body);

        public static ArmResult List(IEnumerable<JsonObject> items)
        {
            var arr = new JsonArray();
            foreach (var item in items) arr.Add(ResourceStore.Present(item));
            return new ArmResult(200, new JsonObject { ["value"] = arr });
        }
    }
}
