using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace CmkPowerShell.Emulator
{
    /// <summary>One ARM error: thrown by handlers, turned into {"error":{code,message,details}} by the pipeline.</summary>
    public sealed class ArmException : Exception
    {
        public ArmException(int status, string code, string message, IEnumerable<(string Code, string Message, string? Target)>? details = null)
            : base(message)
        {
            Status = status;
            Code = code;
            Details = details?.ToList() ?? new List<(string, string, string?)>();
        }

        public int Status { get; }

        public string Code { get; }

        public IReadOnlyList<(string Code, string Message, string? Target)> Details { get; }

        public JsonObject ToBody() => ErrorBody(Code, Message, Details);

        public static JsonObject ErrorBody(string code, string message, IEnumerable<(string Code, string Message, string? Target)>? details = null)
        {
            var error = new JsonObject { ["code"] = code, ["message"] = message };
            var list = details?.ToList();
            if (list is { Count: > 0 })
            {
                var arr = new JsonArray();
                foreach (var d in list)
                {
                    var item = new JsonObject { ["code"] = d.Code, ["message"] = d.Message };
                    if (d.Target != null) item["target"] = d.Target;
                    arr.Add(item);
                }
                error["details"] = arr;
            }
            return new JsonObject { ["error"] = error };
        }

        public static ArmException NotFound(ArmId id)
        {
            if (id.ResourceGroup == null)
                return new ArmException(404, "ResourceNotFound", $"The Resource '{id.TypeAndNamePath}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
            return new ArmException(404, "ResourceNotFound",
                $"The Resource '{id.TypeAndNamePath}' under resource group '{id.ResourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
        }

        public static ArmException ResourceGroupNotFound(string rg) =>
            new ArmException(404, "ResourceGroupNotFound", $"Resource group '{rg}' could not be found.");

        public static ArmException SubscriptionNotFound(string sub) =>
            new ArmException(404, "SubscriptionNotFound", $"The subscription '{sub}' could not be found.");

        public static ArmException BadRequest(string message, string code = "BadRequest") => new ArmException(400, code, message);
    }
}
